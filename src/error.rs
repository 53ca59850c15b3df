//! What users get wrong, and how it is reported (SPEC §4: one line per error, exit status 2).
//!
//! Model constructors (`Growth::new`, `Shock::new`) return an [`Invalid`] that names
//! the offending key and the rule it breaks; the scenario loader adds the file, the line and the
//! column and wraps it in an [`InputError`]. Everything else (I/O while writing results) travels
//! as `anyhow::Error` and exits with status 1.

use std::fmt;

/// One broken rule of SPEC §1, naming the key relative to its table (`mean`, `probability`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    #[error("{key} must be a finite number, got {value}")]
    NotFinite { key: &'static str, value: f64 },
    #[error("{key} must be {rule}, got {got}")]
    OutOfRange { key: &'static str, rule: String, got: String },
    #[error("{key} is required {when}")]
    Missing { key: &'static str, when: &'static str },
    #[error("{key} does not apply to the '{distribution}' distribution; {hint}")]
    NotForDistribution { key: &'static str, distribution: &'static str, hint: &'static str },
    #[error("{key} must be one of {expected}, got {got}")]
    UnknownChoice { key: &'static str, expected: &'static str, got: String },
    #[error("{key} cannot be combined with {other}; {hint}")]
    Conflict { key: &'static str, other: &'static str, hint: &'static str },
    #[error("name '{got}' must be 1 to 64 ASCII letters, digits, '_' and '-' (it names the output folder)")]
    BadName { got: String },
    #[error("duplicate shock name '{name}'; give each [[shocks]] entry its own name")]
    DuplicateShock { name: String },
}

impl Invalid {
    /// The key the rule is about, relative to its table.
    pub fn key(&self) -> &'static str {
        match self {
            Invalid::NotFinite { key, .. }
            | Invalid::OutOfRange { key, .. }
            | Invalid::Missing { key, .. }
            | Invalid::NotForDistribution { key, .. }
            | Invalid::UnknownChoice { key, .. }
            | Invalid::Conflict { key, .. } => key,
            Invalid::BadName { .. } | Invalid::DuplicateShock { .. } => "name",
        }
    }

    /// The same error with its key qualified by the table it sits in (`growth.mean`).
    pub fn message_in(&self, table: &str) -> String {
        let text = self.to_string();
        if table.is_empty() {
            return text;
        }
        match text.strip_prefix(self.key()) {
            Some(rest) if !matches!(self, Invalid::BadName { .. } | Invalid::DuplicateShock { .. }) => {
                format!("{table}.{}{rest}", self.key())
            }
            _ => format!("{table}: {text}"),
        }
    }
}

/// Bad input: a scenario file or a command-line value. Exit status 2.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// The file the error is in, as the user named it; `None` for command-line errors.
    pub file: Option<String>,
    /// 1-based line and column, where one is known.
    pub position: Option<(usize, usize)>,
    /// One line saying what is wrong and how to fix it.
    pub message: String,
}

impl InputError {
    pub fn in_file(file: impl Into<String>, position: Option<(usize, usize)>, message: impl Into<String>) -> Self {
        InputError { file: Some(file.into()), position, message: one_line(&message.into()) }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        InputError { file: None, position: None, message: one_line(&message.into()) }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.position) {
            (Some(file), Some((line, column))) => {
                write!(f, "{file}:{line}:{column}: {}", self.message)
            }
            (Some(file), None) => write!(f, "{file}: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Folds a possibly multi-line message into one line, so that every error is a single line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
