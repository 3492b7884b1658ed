//! stub
use super::{LayerError, SuiteContext};
use serde_json::Value;
pub(crate) fn generate(_context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    Ok(Vec::new())
}
