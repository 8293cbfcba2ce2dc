//! The cases of each vector file, one module per file, each split into themed functions.
//!
//! A themed function returns its cases in file order; a file's `vectors()` concatenates them into
//! groups, so `tcId`s follow the order the functions are called in.

pub mod endpoint;
pub mod key_dirs;
pub mod pay;
pub mod refund;
pub mod reply;
pub mod sign;
pub mod v3;
