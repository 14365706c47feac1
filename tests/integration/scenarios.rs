//! The fold, one line per scenario: `tests/scenarios/NAME.jsonl` folded into a `State`
//! must give `tests/scenarios/NAME.snap`, the expected state beside it.

use test_case::test_case;

use crate::common::scenario as file;

#[test_case("empty")]
#[test_case("cold_burst_in_flight")]
#[test_case("cold_then_warm")]
#[test_case("throttled")]
#[test_case("watching_aws")]
#[test_case("shared_environments")]
#[test_case("compare_classic")]
#[test_case("compare_web_functions")]
#[test_case("cleared")]
#[test_case("demo")]
fn folds_to_the_expected_state(name: &str) {
    let state = file::fold(name);
    insta::with_settings!({
        snapshot_path => "../scenarios",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, file::digest(&state));
    });
}
