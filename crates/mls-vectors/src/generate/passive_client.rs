//! stub
use super::{LayerError, SuiteContext};
use serde_json::Value;
pub(crate) fn welcome(_context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    Ok(Vec::new())
}
pub(crate) fn handling_commit(_context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    Ok(Vec::new())
}
pub(crate) fn random(_context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    Ok(Vec::new())
}
