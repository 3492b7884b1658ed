//! Running a scenario for every ordered pair of implementations and every suite both
//! support, and counting what passed, failed and was skipped.

use std::collections::BTreeMap;

use crate::{Error, Implementation, SUITES, implementations};

/// Outcomes of one scenario over the matrix.
#[derive(Debug, Default)]
pub struct Tally {
    passed: BTreeMap<String, u32>,
    skipped: Vec<(String, String)>,
    failed: Vec<(String, String)>,
}

impl Tally {
    /// Records the outcome of `case`.
    pub fn record(&mut self, scenario: &str, case: String, outcome: Result<(), Error>) {
        match outcome {
            Ok(()) => *self.passed.entry(scenario.to_string()).or_default() += 1,
            Err(Error::Unsupported(reason)) => self.skipped.push((case, reason)),
            Err(Error::Failed(reason)) => self.failed.push((case, reason)),
        }
    }

    /// Prints the counts, every skip and every failure with its reason, and panics if any
    /// case failed.
    pub fn report(&self) {
        for (scenario, count) in &self.passed {
            println!("passed  {scenario}: {count}");
        }
        for (case, reason) in &self.skipped {
            println!("skipped {case}: {reason}");
        }
        for (case, reason) in &self.failed {
            println!("FAILED  {case}: {reason}");
        }
        let passed: u32 = self.passed.values().sum();
        println!(
            "{passed} passed, {} failed, {} skipped",
            self.failed.len(),
            self.skipped.len()
        );
        assert!(
            self.failed.is_empty(),
            "{} case(s) failed",
            self.failed.len()
        );
    }
}

/// Runs `scenario` for every ordered pair (creator, joiner) of implementations, ours
/// included on both sides, in every suite of [`SUITES`] both support; a suite one side
/// lacks is counted as skipped.
pub fn for_each_pair(
    tally: &mut Tally,
    name: &str,
    scenario: impl Fn(&dyn Implementation, &dyn Implementation, u16) -> Result<(), Error>,
) {
    let all = implementations();
    for a in &all {
        for b in &all {
            for suite in SUITES {
                let case = format!("{name} {}->{} suite {suite}", a.name(), b.name());
                let outcome = if !a.supports(suite) || !b.supports(suite) {
                    let lacking = if a.supports(suite) {
                        b.name()
                    } else {
                        a.name()
                    };
                    Err(Error::Unsupported(format!("{lacking} lacks suite {suite}")))
                } else {
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        scenario(a.as_ref(), b.as_ref(), suite)
                    }));
                    run.unwrap_or_else(|panic| {
                        Err(Error::Failed(format!(
                            "panicked: {}",
                            panic_message(&panic)
                        )))
                    })
                };
                tally.record(name, case, outcome);
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
