//! Checking that a reported `line:column` exists in the text it is about.
//!
//! Owns: the bounds of a 1-based position in characters. Does not own: how
//! a target's errors carry their position.

/// Panics unless `line:column` (both from 1, the column in characters) is
/// in `text` or just past the end of one of its lines.
pub fn assert_position_in(text: &str, line: usize, column: usize) {
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        (1..=lines.len()).contains(&line),
        "line {line} of a text of {} lines",
        lines.len()
    );
    let width = lines[line - 1].chars().count();
    assert!(
        (1..=width + 1).contains(&column),
        "column {column} of line {line}, which has {width} characters"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_inside_and_just_past_a_line() {
        assert_position_in("ab\nc", 1, 3);
        assert_position_in("ab\nc", 2, 2);
        assert_position_in("", 1, 1);
        assert_position_in("é", 1, 2);
    }

    #[test]
    #[should_panic(expected = "line 3 of a text of 2 lines")]
    fn a_line_past_the_end() {
        assert_position_in("ab\nc", 3, 1);
    }

    #[test]
    #[should_panic(expected = "column 4 of line 1")]
    fn a_column_past_the_end() {
        assert_position_in("ab\nc", 1, 4);
    }
}
