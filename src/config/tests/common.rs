//! A minimal line shared by the configuration tests.

/// One line with one number, to which a test appends its own tables.
pub(super) const LINE: &str = "[[line]]\nname = \"a\"\nnumbers = [\"1\"]\n";
