//! The engine's own tests: its options agree with each other (back ends, the fast and the
//! general shock loops), and the span table is what the walk takes it to be. (The engine is held
//! to the reference path, path by path, in tests/properties.rs.)

use super::plan::MAX_SPANS;
use super::walk::{BLOCK_PATHS, NO_SPAN_ACTIVE, SpanTable, active_set, span_toggle};
use super::*;
use crate::model::LEVEL_CEILING;

/// Every shock the general way.
fn general() -> Options {
    Options { general_shocks: true, ..Options::default() }
}

/// The AVX2 and the portable back ends give the same statistics, bit for bit, with the fast
/// and the general shock loops.
#[test]
fn avx2_and_portable_back_ends_agree() {
    let Some(avx2) = Backend::avx2_fma() else {
        eprintln!("avx2_and_portable_back_ends_agree: SKIPPED, this CPU has no AVX2 and FMA");
        return;
    };
    for (growth, with_shocks) in growth_cases().into_iter().flat_map(|g| [(g, false), (g, true)]) {
        let scenario = test_scenario(growth, if with_shocks { TEST_SHOCKS } else { "" });
        // Not a multiple of 4 or of a block: the last paths run one at a time.
        let runs = 2 * BLOCK_PATHS as u64 + 7;
        for general_shocks in [false, true] {
            let portable = Options { backend: Backend::portable(), general_shocks };
            let vector = Options { backend: avx2, general_shocks };
            assert_eq!(
                run(&scenario, runs, 5, &portable),
                run(&scenario, runs, 5, &vector),
                "{growth}, shocks: {with_shocks}"
            );
        }
    }
}

/// Any set of spans toggled on, in any order, reads back as that set, in the form `vpermd`
/// takes (32-bit indices `2c` and `2c + 1`); and the table holds each set's growth change,
/// added in file order, and smallest cap.
#[test]
fn toggled_spans_index_their_set_in_the_table() {
    for c in 0..1usize << MAX_SPANS {
        let active = (0..MAX_SPANS).rev().filter(|s| c >> s & 1 == 1).fold(NO_SPAN_ACTIVE, |a, s| a ^ span_toggle(s));
        assert_eq!(active_set(active), c);
        assert_eq!((active as u32, (active >> 32) as u32), (2 * c as u32, 2 * c as u32 + 1));
    }
    let table = SpanTable::new(&[(0.1, LEVEL_CEILING), (0.2, 900.0), (-0.3, 500.0)]);
    assert_eq!(table.change.len(), 8);
    assert_eq!(table.change[0b000], 0.0);
    assert_eq!(table.change[0b011], 0.0 + 0.1 + 0.2);
    assert_eq!(table.change[0b111], 0.0 + 0.1 + 0.2 + -0.3);
    assert_eq!(table.cap[0b001], LEVEL_CEILING);
    assert_eq!(table.cap[0b010], 900.0);
    assert_eq!(table.cap[0b110], 500.0);
    // Fewer than four sets repeat, so that the AVX2 walk loads a whole vector.
    let one = SpanTable::new(&[(0.05, 700.0)]);
    assert_eq!((one.change, one.cap), (vec![0.0, 0.05, 0.0, 0.05], vec![LEVEL_CEILING, 700.0, LEVEL_CEILING, 700.0]));
}

/// The fast ways of drawing and writing occurrences (in rounds; as toggles)
/// give the same statistics, bit for bit, as the general way, for shocks that overlap,
/// follow one another, change growth and cap the level: with 4 spans (the AVX2 walk, where
/// the CPU has it) and with 5 (the portable walk).
#[test]
fn rounds_and_toggles_agree_with_the_general_way() {
    for certain_growth_change in [0.0, -0.011] {
        let shocks = format!(
            "{TEST_SHOCKS}{}growth_change = {certain_growth_change}\n",
            r#"
        [[shocks]]
        name = "a permanent corridor"
        probability = 0.1
        first_year = 2024
        last_year = 2034
        duration = "permanent"
        growth_change = 0.013
        cap_value = 2500.0
        [[shocks]]
        name = "a yearly hazard"
        probability = 0.15
        duration = 1
        max_occurrences = 4
        level_change = 0.1
        growth_change = 0.027
        recovery = 0.3
        [[shocks]]
        name = "certain"
        probability = 1.0
        first_year = 2030
        last_year = 2031
        duration = 1
        max_occurrences = 2
        level_change = -0.05
        "#
        );
        let scenario = test_scenario(growth_cases()[0], &shocks);
        let runs = BLOCK_PATHS as u64 + 3;
        let fast = run(&scenario, runs, 9, &Options::default());
        let general = run(&scenario, runs, 9, &general());
        assert_eq!(fast, general, "growth change of the certain shock: {certain_growth_change}");
    }
}

/// One generated shock, as TOML: any probability, window, duration form, occurrence limit
/// and effect (so spans, rounds and the general loop all come up).
/// Its name is `NAME`, for the caller to make unique.
fn shock_toml() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let duration = prop_oneof![
        (1u32..=5).prop_map(|d| d.to_string()),
        (1u32..=3, 0u32..=3).prop_map(|(a, extra)| format!("{{ min = {a}, max = {} }}", a + extra)),
        Just("\"permanent\"".to_string()),
    ];
    (
        prop_oneof![3 => 0.0f64..=1.0, 1 => Just(1.0), 1 => Just(0.0)],
        (2023i32..=2050, 0i32..=30),
        duration,
        prop_oneof![1u32..=5, Just(1000)],
        prop_oneof![Just(0.0), -0.5f64..0.5],
        prop_oneof![Just(0.0), -0.2f64..0.2],
        prop_oneof![Just(None), (300.0f64..3000.0).prop_map(Some)],
        0.0f64..=1.0,
    )
        .prop_map(|(p, (first, span), duration, most, level, growth, cap, recovery)| {
            let cap = cap.map(|c| format!("cap_value = {c}\n")).unwrap_or_default();
            format!(
                "[[shocks]]\nname = \"NAME\"\nprobability = {p:?}\nfirst_year = {first}\n\
                 last_year = {}\nduration = {duration}\nmax_occurrences = {most}\n\
                 level_change = {level:?}\ngrowth_change = {growth:?}\nrecovery = {recovery:?}\n{cap}",
                (first + span).min(2050)
            )
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Generated shocks (up to six, so up to six spans: both walks) give the same
    /// statistics the fast ways and the general way.
    #[test]
    fn generated_shocks_agree_with_the_general_way(
        shocks in proptest::collection::vec(shock_toml(), 1..=6),
        seed in 0u64..1000,
    ) {
        use proptest::prelude::*;
        let shocks: String =
            shocks.iter().enumerate().map(|(i, shock)| shock.replace("NAME", &format!("s{i}"))).collect();
        let scenario = test_scenario(growth_cases()[0], &shocks);
        let runs = 203;
        let fast = run(&scenario, runs, seed, &Options::default());
        let general = run(&scenario, runs, seed, &general());
        prop_assert_eq!(fast, general);
    }
}

const TEST_SHOCKS: &str = r#"
    [[shocks]]
    name = "sanctions"
    probability = 0.2
    first_year = 2024
    last_year = 2040
    max_occurrences = 3
    duration = { min = 1, max = 3 }
    level_change = -0.2
    growth_change = -0.05
    recovery = 0.5
    [[shocks]]
    name = "route"
    probability = 0.3
    first_year = 2025
    last_year = 2035
    duration = 2
    cap_value = 700.0
"#;

/// A whole run with the given options.
fn run(scenario: &Scenario, runs: u64, seed: u64, options: &Options) -> Stats {
    simulate_batches(scenario, runs, seed, 0..batch_count(runs), &AtomicBool::new(false), options)
        .expect("nothing stops this run")
}

fn test_scenario(growth: &str, shocks: &str) -> Scenario {
    crate::scenario::testing::scenario(&format!("[growth]\n{growth}\n{shocks}"))
}

fn growth_cases() -> [&'static str; 3] {
    [
        r#"distribution = "lognormal"
        mean = 0.2
        sd = 0.15
        long_run_mean = 0.05
        half_life = 3.0
        persistence = 0.4"#,
        r#"distribution = "normal"
        mean = 0.1
        sd = 0.2"#,
        r#"distribution = "triangular"
        min = -0.1
        mode = 0.1
        max = 0.4"#,
    ]
}
