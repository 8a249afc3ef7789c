//! Syntax errors worded and placed as Nix 2.8's bison parser places them (`parser.y`,
//! `lexer.l`): `syntax error, unexpected X` where X is bison's name of the token (`';'`, `ID`,
//! `IN`, `end of file`, …) at the token's start; at the end of the input, the start of the last
//! thing the lexer matched (a token, white space or a comment), since Nix's lexer leaves its
//! location there. Bison's `, expecting …` list (given when at most four tokens could follow)
//! names what the state the parser stopped in can shift, after its default reductions: one
//! closing token after a complete expression (`')'`, `';'`, `ELSE`, `end of file`), the pairs
//! after an attribute path (`'.' or '='`) and after a pattern (`':' or '@'`), an attribute's
//! first tokens after `.` or `?`, and an indented string's parts.

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
        // `__curPos` is an identifier to Nix 2.8's lexer.
        TOKEN_CUR_POS => "ID",
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

/// The lexeme of a path ending in `/` (`./a/`, `/nix/store/`), which Nix's lexer refuses with
/// a message of its own.
const TRAILING_SLASH: &str = "path has a trailing slash";

fn is_trailing_slash_path(t: &str) -> bool {
    let path_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '/');
    let body = t.strip_prefix('~').unwrap_or(t);
    t.len() > 1 && t.ends_with('/') && body.contains('/') && body.chars().all(path_char) && !body.contains("//")
}

struct Lexeme {
    start: usize,
    end: usize,
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
        if content && in_indented && kind == TOKEN_ERROR && t.ends_with("''\\") && !t.ends_with("'''\\") {
            // `''\` at the very end: no escape, so `''` closes the string and `\` is no token.
            let body = &t[..t.len() - 3];
            for st in ind_str_starts(body) {
                out.push(Lexeme {
                    start: offset + st,
                    end: offset + body.len(),
                    name: "IND_STR",
                    trivia: false,
                    unterminated: false,
                });
            }
            let close = offset + body.len();
            out.push(Lexeme {
                start: close,
                end: close + 2,
                name: "IND_STRING_CLOSE",
                trivia: false,
                unterminated: false,
            });
            out.push(Lexeme {
                start: close + 2,
                end: close + 3,
                name: "invalid token",
                trivia: false,
                unterminated: false,
            });
            stack.pop();
            offset += t.len();
            after_ind_open = false;
            continue;
        }
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
                out.push(Lexeme { start: at + st, end: offset + t.len(), name, trivia: false, unterminated });
            }
            if kind == TOKEN_ERROR {
                stack.pop();
            }
        } else {
            let name = match kind {
                // An unterminated `/* …`: Nix's lexer sees a `/`.
                TOKEN_ERROR if t.starts_with("/*") => "'/'",
                TOKEN_ERROR if is_trailing_slash_path(t) => TRAILING_SLASH,
                _ => bison_name(kind, t, in_indented),
            };
            // `0.` and `00.5` are not Nix floats (`[1-9][0-9]*\.[0-9]*|0?\.[0-9]+`): an INT, then
            // the rest.
            // `2.5e`, `1e+`: rnix refuses the number; Nix lexes the digits, then `e`, then `+`.
            if kind == TOKEN_ERROR && t.starts_with(|c: char| c.is_ascii_digit()) {
                if let Some(e) = t.find(['e', 'E']) {
                    let num = if t[..e].contains('.') { "FLOAT" } else { "INT" };
                    out.push(Lexeme { start: offset, end: offset + e, name: num, trivia, unterminated: false });
                    out.push(Lexeme {
                        start: offset + e,
                        end: offset + e + 1,
                        name: "ID",
                        trivia,
                        unterminated: false,
                    });
                    if let Some(sign) = t[e + 1..].chars().next() {
                        let name = if sign == '+' { "'+'" } else { "'-'" };
                        out.push(Lexeme {
                            start: offset + e + 1,
                            end: offset + t.len(),
                            name,
                            trivia,
                            unterminated: false,
                        });
                    }
                    after_ind_open = false;
                    offset += t.len();
                    continue;
                }
            }
            let dot = t.find('.').unwrap_or(0);
            if kind == TOKEN_FLOAT
                && dot > 0
                && t.starts_with('0')
                && !(dot == 1 && t[2..].starts_with(|c: char| c.is_ascii_digit()))
            {
                out.push(Lexeme { start: offset, end: offset + dot, name: "INT", trivia, unterminated: false });
                let rest = &t[dot..];
                let name = if rest[1..].starts_with(|c: char| c.is_ascii_digit()) { "FLOAT" } else { "'.'" };
                out.push(Lexeme { start: offset + dot, end: offset + t.len(), name, trivia, unterminated: false });
            } else {
                out.push(Lexeme { start: offset, end: offset + t.len(), name, trivia, unterminated: false });
            }
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
    let eof = || ("unexpected end of file".to_string(), end_position(&lexemes));
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

/// A recogniser of Nix 2.8's grammar (`parser.y`, its precedences included) over the lexemes:
/// the index of the first lexeme no parse can go on with (`len` for the end of the input), as
/// bison finds it. rnix's own parser recovers and often reports a later token; this says where
/// Nix stops.
struct Recogniser<'a> {
    toks: Vec<&'a Lexeme>,
    i: usize,
    depth: usize,
    /// What bison would list as expected where the recogniser stopped (empty: more than four
    /// tokens could follow, or the list is not known).
    want: &'static [&'static str],
}

/// The first tokens of an attribute name, in bison's order of symbols.
const ATTR_START: &[&str] = &["ID", "OR_KW", "DOLLAR_CURLY", "'\"'"];

type R = Result<(), usize>;

impl<'a> Recogniser<'a> {
    fn peek(&self) -> &'static str {
        self.toks.get(self.i).map_or("end of file", |l| l.name)
    }
    fn peek_at(&self, k: usize) -> &'static str {
        self.toks.get(self.i + k).map_or("end of file", |l| l.name)
    }
    /// Stops where many tokens could go on (the start of an expression, a list, bindings).
    fn fail<T>(&mut self) -> Result<T, usize> {
        self.want = &[];
        Err(self.i)
    }
    /// Stops where only the tokens of `want` could go on.
    fn fail_wanting<T>(&mut self, want: &'static [&'static str]) -> Result<T, usize> {
        self.want = want;
        Err(self.i)
    }
    /// The one token a state waits for after a complete expression or keyword.
    fn eat(&mut self, name: &'static str) -> R {
        if self.peek() == name {
            self.i += 1;
            Ok(())
        } else {
            let want: &'static [&'static str] = match name {
                "'{'" => &["'{'"],
                "'}'" => &["'}'"],
                "')'" => &["')'"],
                "':'" => &["':'"],
                "';'" => &["';'"],
                "'\"'" => &["'\"'"],
                "ID" => &["ID"],
                "THEN" => &["THEN"],
                "ELSE" => &["ELSE"],
                _ => &[],
            };
            self.fail_wanting(want)
        }
    }
    fn deeper(&mut self) -> R {
        self.depth += 1;
        // Deeper than any real program: leave the rest to rnix's parser.
        if self.depth > 2_000 {
            return Err(usize::MAX);
        }
        Ok(())
    }

    /// `expr_function`.
    fn expr(&mut self) -> R {
        self.deeper()?;
        let r = self.expr_inner();
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> R {
        match self.peek() {
            "ID" if self.peek_at(1) == "':'" => {
                self.i += 2;
                self.expr()
            }
            "ID" if self.peek_at(1) == "'@'" => {
                self.i += 2;
                self.eat("'{'")?;
                self.formals()?;
                self.eat("':'")?;
                self.expr()
            }
            "'{'" if self.is_formals() => {
                self.i += 1;
                self.formals()?;
                if self.peek() == "'@'" {
                    self.i += 1;
                    self.eat("ID")?;
                } else if self.peek() != "':'" {
                    return self.fail_wanting(&["':'", "'@'"]);
                }
                self.eat("':'")?;
                self.expr()
            }
            "ASSERT" | "WITH" => {
                self.i += 1;
                self.expr()?;
                self.eat("';'")?;
                self.expr()
            }
            "LET" if self.peek_at(1) != "'{'" => {
                self.i += 1;
                self.binds("IN")?;
                self.eat("IN")?;
                self.expr()
            }
            "IF" => {
                self.i += 1;
                self.expr()?;
                self.eat("THEN")?;
                self.expr()?;
                self.eat("ELSE")?;
                self.expr()
            }
            _ => self.op(0),
        }
    }

    /// Whether a `{` starts a pattern (`{ a, b ? 1, ... }:`) rather than a set.
    fn is_formals(&self) -> bool {
        match self.peek_at(1) {
            "ELLIPSIS" => true,
            "'}'" => matches!(self.peek_at(2), "':'" | "'@'"),
            "ID" => matches!(self.peek_at(2), "','" | "'?'" | "'}'"),
            _ => false,
        }
    }

    /// `formals '}'`: `formal ',' formals | formal | (empty) | ELLIPSIS`.
    fn formals(&mut self) -> R {
        loop {
            match self.peek() {
                "'}'" => break,
                "ELLIPSIS" => {
                    self.i += 1;
                    break;
                }
                "ID" => {
                    self.i += 1;
                    if self.peek() == "'?'" {
                        self.i += 1;
                        self.expr()?;
                    }
                    if self.peek() == "','" {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                // After `,` bison reduces the empty rest of the formals and waits for `}`.
                _ => return self.fail_wanting(&["'}'"]),
            }
        }
        self.eat("'}'")
    }

    /// Binary operators: (precedence, right-associative, non-associative).
    fn binary(name: &str) -> Option<(u8, bool, bool)> {
        Some(match name {
            "IMPL" => (1, true, false),
            "OR" => (2, false, false),
            "AND" => (3, false, false),
            "EQ" | "NEQ" => (4, false, true),
            "'<'" | "'>'" | "LEQ" | "GEQ" => (5, false, true),
            "UPDATE" => (6, true, false),
            "'+'" | "'-'" => (8, false, false),
            "'*'" | "'/'" => (9, false, false),
            "CONCAT" => (10, true, false),
            "'?'" => (11, false, false),
            _ => return None,
        })
    }

    /// `expr_op` by precedence climbing (`!` binds as NOT, 7; unary `-` as NEGATE, 12).
    fn op(&mut self, min: u8) -> R {
        self.deeper()?;
        let r = self.op_inner(min);
        self.depth -= 1;
        r
    }

    fn op_inner(&mut self, min: u8) -> R {
        match self.peek() {
            "'!'" => {
                self.i += 1;
                self.op(8)?;
            }
            "'-'" => {
                self.i += 1;
                self.op(13)?;
            }
            _ => self.app()?,
        }
        let mut nonassoc_level = None;
        while let Some((p, right, nonassoc)) = Self::binary(self.peek()) {
            if p < min {
                break;
            }
            if nonassoc_level == Some(p) {
                return self.fail();
            }
            self.i += 1;
            if p == 11 {
                self.attrpath()?;
            } else {
                self.op(if right { p } else { p + 1 })?;
            }
            nonassoc_level = nonassoc.then_some(p);
        }
        Ok(())
    }

    fn starts_simple(name: &str) -> bool {
        matches!(
            name,
            "ID" | "INT"
                | "FLOAT"
                | "'\"'"
                | "IND_STRING_OPEN"
                | "PATH"
                | "HPATH"
                | "SPATH"
                | "URI"
                | "'('"
                | "LET"
                | "REC"
                | "'{'"
                | "'['"
        )
    }

    /// `expr_app`: selections applied one to the next.
    fn app(&mut self) -> R {
        self.select()?;
        while Self::starts_simple(self.peek()) {
            self.select()?;
        }
        Ok(())
    }

    /// `expr_select`: `e.a.b`, `e.a.b or d`, and `e or` (a call of `e` with the variable `or`).
    fn select(&mut self) -> R {
        self.simple()?;
        if self.peek() == "'.'" {
            self.i += 1;
            self.attrpath()?;
            if self.peek() == "OR_KW" {
                self.i += 1;
                self.deeper()?;
                let r = self.select();
                self.depth -= 1;
                r?;
            }
        } else if self.peek() == "OR_KW" {
            self.i += 1;
        }
        Ok(())
    }

    fn attr(&mut self) -> R {
        match self.peek() {
            "ID" | "OR_KW" => {
                self.i += 1;
                Ok(())
            }
            "'\"'" => self.string(),
            "DOLLAR_CURLY" => {
                self.i += 1;
                self.expr()?;
                self.eat("'}'")
            }
            _ => self.fail_wanting(ATTR_START),
        }
    }

    fn attrpath(&mut self) -> R {
        self.attr()?;
        while self.peek() == "'.'" {
            self.i += 1;
            self.attr()?;
        }
        Ok(())
    }

    /// `'"' string_parts '"'`.
    fn string(&mut self) -> R {
        self.eat("'\"'")?;
        loop {
            match self.peek() {
                "STR" => self.i += 1,
                "DOLLAR_CURLY" => {
                    self.i += 1;
                    self.expr()?;
                    self.eat("'}'")?;
                }
                _ => return self.eat("'\"'"),
            }
        }
    }

    /// `binds` up to (not including) `end`.
    fn binds(&mut self, end: &str) -> R {
        loop {
            match self.peek() {
                n if n == end => return Ok(()),
                "INHERIT" => {
                    self.i += 1;
                    if self.peek() == "'('" {
                        self.i += 1;
                        self.expr()?;
                        self.eat("')'")?;
                    }
                    while self.peek() != "';'" {
                        if !ATTR_START.contains(&self.peek()) {
                            return self.fail();
                        }
                        self.attr()?;
                    }
                    self.i += 1;
                }
                "ID" | "OR_KW" | "'\"'" | "DOLLAR_CURLY" => {
                    self.attrpath()?;
                    if self.peek() != "'='" {
                        return self.fail_wanting(&["'.'", "'='"]);
                    }
                    self.i += 1;
                    self.expr()?;
                    self.eat("';'")?;
                }
                _ => return self.fail(),
            }
        }
    }

    /// `expr_simple`.
    fn simple(&mut self) -> R {
        match self.peek() {
            "ID" | "INT" | "FLOAT" | "SPATH" | "URI" => self.i += 1,
            "PATH" | "HPATH" => {
                // A path with `${…}` parts: the pieces touch.
                self.i += 1;
                while let Some(l) = self.toks.get(self.i) {
                    let prev_end = self.toks[self.i - 1].end;
                    if l.start != prev_end {
                        break;
                    }
                    match l.name {
                        "DOLLAR_CURLY" => {
                            self.i += 1;
                            self.expr()?;
                            self.eat("'}'")?;
                        }
                        "PATH" => self.i += 1,
                        _ => break,
                    }
                }
            }
            "'\"'" => self.string()?,
            "IND_STRING_OPEN" => {
                self.i += 1;
                loop {
                    match self.peek() {
                        "IND_STR" => self.i += 1,
                        "DOLLAR_CURLY" => {
                            self.i += 1;
                            self.expr()?;
                            self.eat("'}'")?;
                        }
                        _ => break,
                    }
                }
                if self.peek() != "IND_STRING_CLOSE" {
                    return self.fail_wanting(&["IND_STR", "DOLLAR_CURLY", "IND_STRING_CLOSE"]);
                }
                self.i += 1;
            }
            "'('" => {
                self.i += 1;
                self.expr()?;
                self.eat("')'")?;
            }
            "LET" | "REC" => {
                self.i += 1;
                self.eat("'{'")?;
                self.binds("'}'")?;
                self.eat("'}'")?;
            }
            "'{'" => {
                self.i += 1;
                self.binds("'}'")?;
                self.eat("'}'")?;
            }
            "'['" => {
                self.i += 1;
                while Self::starts_simple(self.peek()) {
                    self.select()?;
                }
                if self.peek() != "']'" {
                    return self.fail();
                }
                self.i += 1;
            }
            _ => return self.fail(),
        }
        Ok(())
    }
}

/// How Nix 2.8's parser fails on `text`, if it does.
pub struct NixParseError {
    /// The message; after `syntax error, ` when `syntax` is set.
    pub message: String,
    /// The byte offset Nix names.
    pub at: usize,
    /// Bison's `syntax error, …` rather than a message of the lexer's own.
    pub syntax: bool,
}

/// Where Nix 2.8's parser fails on `text`, if it does: the message and the byte offset.
pub fn nix_parse_error(text: &str) -> Option<NixParseError> {
    let lexemes = lex(text);
    let toks: Vec<&Lexeme> = lexemes.iter().filter(|l| !l.trivia).collect();
    let mut r = Recogniser { toks, i: 0, depth: 0, want: &[] };
    let parsed = r.expr();
    let at = match parsed {
        Ok(()) if r.i == r.toks.len() => return None,
        Ok(()) => {
            r.want = &["end of file"];
            r.i
        }
        Err(usize::MAX) => return None,
        Err(at) => at,
    };
    let expecting = if r.want.is_empty() { String::new() } else { format!(", expecting {}", r.want.join(" or ")) };
    let (message, at, syntax) = match r.toks.get(at) {
        // Nix's lexer notices at the character after the path (at the end, the path's start).
        Some(l) if l.name == TRAILING_SLASH => {
            (TRAILING_SLASH.to_string(), if l.end < text.len() { l.end } else { l.start }, false)
        }
        Some(l) if !l.unterminated => (format!("unexpected {}{expecting}", l.name), l.start, true),
        _ => (format!("unexpected end of file{expecting}"), end_position(&lexemes), true),
    };
    Some(NixParseError { message, at, syntax })
}

/// Where Nix's lexer leaves its location at the end of the input: the start of the last thing
/// it matched, except after a path, where it is the start of the thing before.
fn end_position(lexemes: &[Lexeme]) -> usize {
    match lexemes {
        [.., before, last] if matches!(last.name, "PATH" | "HPATH") => before.start,
        [.., last] => last.start,
        [] => 0,
    }
}
