//! The key schedule of Messaging Layer Security (RFC 9420 §8-9). Work in progress.
