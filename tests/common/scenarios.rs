//! The scenario texts of the tests (SPEC §1): [`MINIMAL_SCENARIO`] is the one base text, and
//! every variant a test needs is derived from it here or in the test, with [`scenario_with`],
//! [`trade_scenario`], [`set_keys`], [`shock`], [`named`] or [`edit`], so that what a variant
//! changes is explicit.

/// The smallest valid scenario: only the required keys (the name comes from the file stem).
/// 460 in 2022, a constant 40% a year, target 1000 (first reached in 2025), horizon 2050.
pub const MINIMAL_SCENARIO: &str = "\
[trade]
base_year = 2022
base_value = 460.0
target_value = 1000.0
horizon_year = 2050

[growth]
distribution = \"constant\"
mean = 0.4
";

/// The `[growth]` table of [`MINIMAL_SCENARIO`] (the last table of it), as it appears there.
pub const MINIMAL_GROWTH: &str = "[growth]\ndistribution = \"constant\"\nmean = 0.4\n";

/// The shock names of [`shock_scenario`], in file order, with their kinds.
pub const SHOCK_SCENARIO_SHOCKS: [(&str, &str); 3] =
    [("sanctions", "sanction"), ("ferry cap", "route"), ("corridor", "other")];
/// Its years.
pub const SHOCK_SCENARIO_YEARS: (i32, i32) = (2022, 2045);

/// A scenario named "stress" exercising randomness everywhere: persistent lognormal growth with
/// a fade, and shocks of every duration form, with caps, recoveries and repeated occurrences.
pub fn shock_scenario() -> String {
    let growth = "\
[growth]
distribution = \"lognormal\"
mean = 0.15
sd = 0.2
long_run_mean = 0.05
half_life = 2.5
persistence = 0.4
";
    let shocks = [
        shock(
            "sanctions",
            "\
kind = \"sanction\"
probability = 0.2
first_year = 2024
last_year = 2035
max_occurrences = 3
duration = { min = 1, max = 3 }
level_change = -0.2
growth_change = -0.03
recovery = 0.5",
        ),
        shock("ferry cap", "kind = \"route\"\nyear = 2025\nduration = 3\ncap_value = 700.0"),
        shock(
            "corridor",
            "\
probability = 0.3
first_year = 2027
duration = \"permanent\"
level_change = 0.05
growth_change = 0.02",
        ),
    ]
    .concat();
    let horizon = SHOCK_SCENARIO_YEARS.1.to_string();
    named("stress", &set_keys(&scenario_with(growth, &shocks), &[("horizon_year", &horizon)]))
}

/// [`MINIMAL_SCENARIO`] with its `[growth]` table replaced by `growth` (a whole table, header
/// included; [`MINIMAL_GROWTH`] keeps it) and `shocks` (`[[shocks]]` tables, e.g. from
/// [`shock`], or "") appended.
pub fn scenario_with(growth: &str, shocks: &str) -> String {
    edit(MINIMAL_SCENARIO, MINIMAL_GROWTH, growth) + shocks
}

/// [`MINIMAL_SCENARIO`] (base year 2022) with other trade figures, `growth` (a whole `[growth]`
/// table) and `shocks` appended, as [`scenario_with`]. The floats are written as Rust's `{:?}`
/// writes them (`460.0`, `1e200`), a valid TOML float when finite.
pub fn trade_scenario(base_value: f64, target_value: f64, horizon_year: i32, growth: &str, shocks: &str) -> String {
    let (base_value, target_value, horizon_year) =
        (format!("{base_value:?}"), format!("{target_value:?}"), horizon_year.to_string());
    let trade = [("base_value", base_value.as_str()), ("target_value", &target_value), ("horizon_year", &horizon_year)];
    set_keys(&scenario_with(growth, shocks), &trade)
}

/// One `[[shocks]]` table, after a blank line: `name` and then `keys` (one `key = value` a
/// line, without a final newline).
pub fn shock(name: &str, keys: &str) -> String {
    format!("\n[[shocks]]\nname = \"{name}\"\n{keys}\n")
}

/// `text` with a `name = "..."` line (and a blank line) in front. `name` is written as given,
/// inside the quotes, so that tests can pass escapes and names the program must refuse.
pub fn named(name: &str, text: &str) -> String {
    format!("name = \"{name}\"\n\n{text}")
}

/// `text` with the first assignment to each key (a line `key = ...`) given another value
/// (TOML, as written: `"1e200"`, `"nan"`, `"\"high\""`); panics when a key is absent, like
/// [`edit`].
pub fn set_keys(text: &str, values: &[(&str, &str)]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    for (key, value) in values {
        let i = key_line(&lines.concat(), key) - 1;
        let end = if lines[i].ends_with('\n') { "\n" } else { "" };
        lines[i] = format!("{key} = {value}{end}");
    }
    lines.concat()
}

/// `text` with `from` replaced by `to`; panics when `from` is absent, so that a test never
/// silently checks an unchanged (valid) file.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test bug: {from:?} is not in the scenario text");
    text.replacen(from, to, 1)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).unwrap_or_else(|| panic!("test bug: {needle:?} is not in the scenario text"));
    text[..offset].matches('\n').count() + 1
}

/// The 1-based line of the first assignment to `key` (a line starting with `key =`).
pub fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .unwrap_or_else(|| panic!("test bug: no `{key} =` line in the scenario text"))
        + 1
}
