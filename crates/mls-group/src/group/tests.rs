//! Negative tests of commit and message processing (RFC 9420 §12.2, §12.4.2): each rejected
//! message yields its own error and leaves the saved state byte-identical.
