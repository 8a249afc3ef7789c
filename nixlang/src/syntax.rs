//! Syntax errors worded and placed as Nix 2.8's bison parser places them (`parser.y`,
//! `lexer.l`): `syntax error, unexpected X` where X is bison's name of the token (`';'`, `ID`,
//! `IN`, `end of file`, …) at the token's start; at the end of the input, the start of the last
//! thing the lexer matched (a token, white space or a comment), since Nix's lexer leaves its
//! location there. Bison's `, expecting …` lists depend on its parse tables and are left out.

use rnix::SyntaxKind::{self, *};

/// Bison's name of a token, given the kind of string it sits in (`"…"` or `''…''`).
fn bison_name(kind: SyntaxKind, text: &str, in_indented: bool) -> &'static str {
    match kind {
        TOKEN_ASSERT => "ASSERT",
        TOKEN_ELSE => "ELSE",
        TOKEN_IF => "IF",
        TOKEN_IN => "IN",
        TOKEN_INHERIT => "INHERIT",
        TOKEN_LET => "LET",
        TOKEN_OR => "OR_KW",
        TOKEN_REC => "REC",
        TOKEN_THEN => "THEN",
        TOKEN_WITH => "WITH",
        TOKEN_L_BRACE => "'{'",
        TOKEN_R_BRACE | TOKEN_INTERPOL_END => "'}'",
        TOKEN_L_BRACK => "'['",
        TOKEN_R_BRACK => "']'",
        TOKEN_ASSIGN => "'='",
        TOKEN_AT => "'@'",
        TOKEN_COLON => "':'",
        TOKEN_COMMA => "','",
        TOKEN_DOT => "'.'",
        TOKEN_ELLIPSIS => "ELLIPSIS",
        TOKEN_QUESTION => "'?'",
        TOKEN_SEMICOLON => "';'",
        TOKEN_L_PAREN => "'('",
        TOKEN_R_PAREN => "')'",
        TOKEN_CONCAT => "CONCAT",
        TOKEN_INVERT => "'!'",
        TOKEN_UPDATE => "UPDATE",
        TOKEN_ADD => "'+'",
        TOKEN_SUB => "'-'",
        TOKEN_MUL => "'*'",
        TOKEN_DIV => "'/'",
        TOKEN_AND_AND => "AND",
        TOKEN_OR_OR => "OR",
        TOKEN_EQUAL => "EQ",
        TOKEN_NOT_EQUAL => "NEQ",
        TOKEN_IMPLICATION => "IMPL",
        TOKEN_LESS => "'<'",
        TOKEN_LESS_OR_EQ => "LEQ",
        TOKEN_MORE => "'>'",
        TOKEN_MORE_OR_EQ => "GEQ",
        TOKEN_FLOAT => "FLOAT",
        TOKEN_INTEGER => "INT",
        TOKEN_IDENT => "ID",
        TOKEN_URI => "URI",
        TOKEN_PATH_ABS | TOKEN_PATH_REL => "PATH",
        TOKEN_PATH_HOME => "HPATH",
        TOKEN_PATH_SEARCH => "SPATH",
        TOKEN_CUR_POS => "CUR_POS",
        TOKEN_INTERPOL_START => "DOLLAR_CURLY",
        TOKEN_STRING_START if text == "''" => "IND_STRING_OPEN",
        TOKEN_STRING_START => "'\"'",
        TOKEN_STRING_END if in_indented => "IND_STRING_CLOSE",
        TOKEN_STRING_END => "'\"'",
        TOKEN_STRING_CONTENT if in_indented => "IND_STR",
        TOKEN_STRING_CONTENT => "STR",
        // `|>` and `<|` are not Nix 2.8's; neither is any other character the lexer refuses.
        _ => "invalid token",
    }
}

struct Lexeme {
    start: usize,
    name: &'static str,
    trivia: bool,
    /// A string left open at the end of the input: Nix lexes its text, then meets the end.
    unterminated: bool,
}

/// The starts of Nix's `IND_STR` tokens in the text of an indented string: escapes (`''$`,
/// `'''`, `''\x`) are tokens of their own, and so is a lone `$` or `'`.
fn ind_str_starts(t: &str) -> Vec<usize> {
    let b = t.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        starts.push(i);
        if b[i] == b'\'' && b.get(i + 1) == Some(&b'\'') {
            i += match b.get(i + 2) {
                Some(b'\\') => 3 + t[i + 3..].chars().next().map_or(0, char::len_utf8),
                _ => 3,
            };
            continue;
        }
        let run_start = i;
        while i < b.len() {
            let c = b[i];
            let next = b.get(i + 1).copied();
            if c != b'$' && c != b'\'' {
                i += 1;
            } else if (c == b'$' && next.is_some_and(|n| n != b'{' && n != b'\''))
                || (c == b'\'' && next.is_some_and(|n| n != b'\'' && n != b'$'))
            {
                i += 1 + t[i + 1..].chars().next().map_or(0, char::len_utf8);
            } else {
                break;
            }
        }
        if i == run_start {
            i += 1;
        }
    }
    starts
}

fn lex(text: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    let mut offset = 0;
    // What each open `"`, `''` or `${` is: true for an indented string, None for `${`.
    let mut stack: Vec<Option<bool>> = Vec::new();
    let mut after_ind_open = false;
    for (kind, t) in rnix::tokenize(text) {
        let in_string = stack.last().copied().flatten();
        let in_indented = in_string == Some(true);
        let trivia = matches!(kind, TOKEN_WHITESPACE | TOKEN_COMMENT);
        let content = kind == TOKEN_STRING_CONTENT || (kind == TOKEN_ERROR && in_string.is_some());
        if content {
            let unterminated = kind == TOKEN_ERROR || offset + t.len() == text.len();
            let name = if in_indented { "IND_STR" } else { "STR" };
            let mut body = t;
            let mut at = offset;
            if in_indented && after_ind_open {
                // Nix's `''` token takes the spaces and the newline after it: `\'\'(\ *\n)?`.
                let spaces = body.len() - body.trim_start_matches(' ').len();
                if body[spaces..].starts_with('\n') {
                    at += spaces + 1;
                    body = &body[spaces + 1..];
                }
            }
            let starts = if in_indented { ind_str_starts(body) } else { vec![0] };
            for st in starts.into_iter().filter(|_| !body.is_empty()) {
                out.push(Lexeme { start: at + st, name, trivia: false, unterminated });
            }
            if kind == TOKEN_ERROR {
                stack.pop();
            }
        } else {
            let name = match kind {
                // An unterminated `/* …`: Nix's lexer sees a `/`.
                TOKEN_ERROR if t.starts_with("/*") => "'/'",
                _ => bison_name(kind, t, in_indented),
            };
            out.push(Lexeme { start: offset, name, trivia, unterminated: false });
        }
        after_ind_open = kind == TOKEN_STRING_START && t == "''";
        match kind {
            TOKEN_STRING_START => stack.push(Some(t == "''")),
            TOKEN_STRING_END => {
                stack.pop();
            }
            TOKEN_INTERPOL_START => stack.push(None),
            TOKEN_INTERPOL_END => {
                stack.pop();
            }
            TOKEN_L_BRACE if matches!(stack.last(), Some(None)) => stack.push(None),
            TOKEN_R_BRACE if matches!(stack.last(), Some(None)) => {
                stack.pop();
            }
            _ => {}
        }
        offset += t.len();
    }
    out
}

/// The message (after `syntax error, `) and the byte offset of a parse error.
pub fn describe(text: &str, e: &rnix::ParseError) -> (String, usize) {
    let lexemes = lex(text);
    let eof = || {
        let at = lexemes.last().map_or(0, |l| l.start);
        ("unexpected end of file".to_string(), at)
    };
    let at = match e {
        rnix::ParseError::Unexpected(r)
        | rnix::ParseError::UnexpectedExtra(r)
        | rnix::ParseError::UnexpectedWanted(_, r, _)
        | rnix::ParseError::UnexpectedDoubleBind(r)
        | rnix::ParseError::DuplicatedArgs(r, _) => usize::from(r.start()),
        rnix::ParseError::UnexpectedEOF | rnix::ParseError::UnexpectedEOFWanted(_) => return eof(),
        _ => return ("unexpected end of file".to_string(), 0),
    };
    if let rnix::ParseError::DuplicatedArgs(_, name) = e {
        return (format!("duplicate formal function argument '{name}'"), at);
    }
    match lexemes.iter().find(|l| l.start >= at && !l.trivia) {
        Some(l) if l.unterminated => eof(),
        Some(l) => (format!("unexpected {}", l.name), l.start),
        None => eof(),
    }
}
