//! Runs every official test vector file in the workspace's `test-vectors/` folder: no case may
//! fail, and none is skipped (the RustCrypto provider, with its default feature `curve448`,
//! has all seven suites of the files).

use std::path::Path;

#[test]
fn every_official_vector_passes_and_none_is_skipped() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let report = mls_vectors::check_dir(&dir).expect("the vector folder is readable");
    assert_eq!(
        report.files.len(),
        mls_vectors::known_files().len(),
        "every known vector file is present"
    );
    for file in &report.files {
        println!("{file}");
        for failure in &file.outcome.failures {
            println!(
                "  case {} field {}: {}",
                failure.case, failure.field, failure.detail
            );
        }
    }
    let total = report.total();
    println!("{total}");
    assert_eq!(total.failed, 0, "vector cases failed");
    for file in &report.files {
        assert_eq!(file.outcome.skipped, 0, "{file}");
    }
    assert!(total.passed > 0, "no vector case was checked");
}
