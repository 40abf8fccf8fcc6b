//! Derive macros for `micromegas-transit`.
//!
//! This crate deliberately has no dependencies: instead of `syn`/`quote`, the
//! input [`TokenStream`] is lowered to a small owned token tree ([`Tok`]) that
//! is parsed by hand, and the output is rendered as a string.

use proc_macro::{Delimiter, Spacing, TokenStream, TokenTree};

/// Implements `micromegas_transit::Reflect` for a non-generic struct:
/// `TYPE_NAME`, `FIELD_COUNT` and `FIELD_NAMES` (`"0"`, `"1"`, ... for tuple structs).
#[proc_macro_derive(TransitReflect)]
pub fn derive_transit_reflect(input: TokenStream) -> TokenStream {
    let code = match parse_struct(&lower(input)) {
        Ok(info) => render_reflect_impl(&info),
        Err(message) => render_compile_error(&message),
    };
    code.parse().expect("generated code is valid rust")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Paren,
    Brace,
    Bracket,
    Invisible,
}

/// Owned, span-less token tree that can be built in unit tests (unlike
/// `proc_macro` types, which only work inside a macro invocation).
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// Character and whether it is joined to the next punctuation.
    Punct(char, bool),
    Literal,
    Group(Delim, Vec<Tok>),
}

fn lower(stream: TokenStream) -> Vec<Tok> {
    stream
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) => Tok::Ident(ident.to_string()),
            TokenTree::Punct(punct) => {
                Tok::Punct(punct.as_char(), punct.spacing() == Spacing::Joint)
            }
            TokenTree::Literal(_) => Tok::Literal,
            TokenTree::Group(group) => {
                let delim = match group.delimiter() {
                    Delimiter::Parenthesis => Delim::Paren,
                    Delimiter::Brace => Delim::Brace,
                    Delimiter::Bracket => Delim::Bracket,
                    Delimiter::None => Delim::Invisible,
                };
                Tok::Group(delim, lower(group.stream()))
            }
        })
        .collect()
}

#[derive(Debug, PartialEq)]
struct StructInfo {
    name: String,
    fields: Vec<String>,
}

/// Skips outer attributes (`#[...]`, including doc comments) and visibility.
fn skip_attributes_and_visibility(mut tokens: &[Tok]) -> &[Tok] {
    loop {
        tokens = match tokens {
            [Tok::Punct('#', _), Tok::Group(Delim::Bracket, _), rest @ ..] => rest,
            [Tok::Ident(kw), Tok::Group(Delim::Paren, _), rest @ ..] if kw == "pub" => rest,
            [Tok::Ident(kw), rest @ ..] if kw == "pub" => rest,
            _ => return tokens,
        }
    }
}

/// Splits on commas that are not nested inside `<...>` (groups are already nested).
fn split_top_level(tokens: &[Tok]) -> Vec<&[Tok]> {
    let mut segments = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, token) in tokens.iter().enumerate() {
        match token {
            Tok::Punct('<', _) => depth += 1,
            Tok::Punct('>', _) => {
                let is_arrow = index > 0 && tokens[index - 1] == Tok::Punct('-', true);
                if !is_arrow {
                    depth = depth.saturating_sub(1);
                }
            }
            Tok::Punct(',', _) if depth == 0 => {
                segments.push(&tokens[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    if start < tokens.len() {
        segments.push(&tokens[start..]);
    }
    segments
}

fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

fn named_fields(body: &[Tok]) -> Result<Vec<String>, String> {
    split_top_level(body)
        .into_iter()
        .map(|field| match skip_attributes_and_visibility(field) {
            [Tok::Ident(name), Tok::Punct(':', _), ..] => Ok(unraw(name).to_string()),
            _ => Err("TransitReflect could not parse a named field".to_string()),
        })
        .collect()
}

fn parse_struct(tokens: &[Tok]) -> Result<StructInfo, String> {
    let rest = match skip_attributes_and_visibility(tokens) {
        [Tok::Ident(kw), rest @ ..] if kw == "struct" => rest,
        [Tok::Ident(kw), ..] if kw == "enum" || kw == "union" => {
            return Err(format!(
                "TransitReflect can only be derived for structs, not for `{kw}`"
            ));
        }
        _ => return Err("TransitReflect expects a struct definition".to_string()),
    };
    let (name, rest) = match rest {
        [Tok::Ident(name), rest @ ..] => (name.clone(), rest),
        _ => return Err("TransitReflect expects a struct name".to_string()),
    };
    let fields = match rest {
        [Tok::Punct('<', _), ..] | [Tok::Ident(_), ..] => {
            return Err(format!(
                "TransitReflect does not support generic structs (`{name}`)"
            ));
        }
        [Tok::Group(Delim::Brace, body)] => named_fields(body)?,
        [Tok::Group(Delim::Paren, body), Tok::Punct(';', _)] => (0..split_top_level(body).len())
            .map(|i| i.to_string())
            .collect(),
        [Tok::Punct(';', _)] => Vec::new(),
        _ => {
            return Err(format!(
                "TransitReflect: unsupported body for struct `{name}`"
            ));
        }
    };
    Ok(StructInfo { name, fields })
}

fn render_reflect_impl(info: &StructInfo) -> String {
    let field_names: Vec<String> = info.fields.iter().map(|f| format!("{f:?}")).collect();
    format!(
        "#[automatically_derived] \
         impl ::micromegas_transit::Reflect for {name} {{ \
             const TYPE_NAME: &'static str = {type_name:?}; \
             const FIELD_COUNT: usize = {count}; \
             const FIELD_NAMES: &'static [&'static str] = &[{names}]; \
         }}",
        name = info.name,
        type_name = unraw(&info.name),
        count = info.fields.len(),
        names = field_names.join(", "),
    )
}

fn render_compile_error(message: &str) -> String {
    format!("::core::compile_error!({message:?});")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimal lexer producing the same shape as `lower` for test inputs.
    fn lex(source: &str) -> Vec<Tok> {
        let chars: Vec<char> = source.chars().collect();
        let (tokens, end) = lex_until(&chars, 0, None);
        assert_eq!(end, chars.len());
        tokens
    }

    fn lex_until(chars: &[char], mut i: usize, close: Option<char>) -> (Vec<Tok>, usize) {
        let mut tokens = Vec::new();
        while i < chars.len() {
            let c = chars[i];
            if Some(c) == close {
                return (tokens, i + 1);
            }
            let word = |i: usize| chars[i].is_alphanumeric() || chars[i] == '_';
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_digit() || c == '"' {
                let quoted = c == '"';
                i += 1;
                while i < chars.len() && if quoted { chars[i] != '"' } else { word(i) } {
                    i += 1;
                }
                i += usize::from(quoted);
                tokens.push(Tok::Literal);
            } else if word(i) {
                let start = i;
                while i < chars.len() && word(i) {
                    i += 1;
                }
                tokens.push(Tok::Ident(chars[start..i].iter().collect()));
            } else if let Some((delim, closing)) = match c {
                '(' => Some((Delim::Paren, ')')),
                '[' => Some((Delim::Bracket, ']')),
                '{' => Some((Delim::Brace, '}')),
                _ => None,
            } {
                let (inner, next) = lex_until(chars, i + 1, Some(closing));
                tokens.push(Tok::Group(delim, inner));
                i = next;
            } else {
                let joint = chars
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_punctuation() && !"()[]{}\"_".contains(*n));
                tokens.push(Tok::Punct(c, joint));
                i += 1;
            }
        }
        (tokens, i)
    }

    fn info(source: &str) -> StructInfo {
        parse_struct(&lex(source)).unwrap()
    }

    #[test]
    fn named_struct_with_attributes_and_visibility() {
        let parsed = info(
            "#[doc = \"a point\"] pub(crate) struct Point { #[allow(dead_code)] pub x: f64, pub(super) y: f64, }",
        );
        assert_eq!(
            parsed,
            StructInfo {
                name: "Point".into(),
                fields: vec!["x".into(), "y".into()],
            }
        );
    }

    #[test]
    fn commas_inside_generic_arguments_do_not_split_fields() {
        let parsed = info(
            "struct Index { map: HashMap<String, Vec<(u8, u8)>>, callback: fn(u8, u8) -> Option<u8>, last: u8 }",
        );
        assert_eq!(parsed.fields, vec!["map", "callback", "last"]);
    }

    #[test]
    fn tuple_and_unit_structs() {
        assert_eq!(
            info("struct Pair(pub u32, Vec<u8, A>);").fields,
            vec!["0", "1"]
        );
        assert_eq!(info("struct Unit;").fields, Vec::<String>::new());
        assert_eq!(info("struct Empty {}").fields, Vec::<String>::new());
    }

    #[test]
    fn raw_identifiers_are_unrawed() {
        assert_eq!(unraw("r#type"), "type");
        assert_eq!(unraw("plain"), "plain");
    }

    #[test]
    fn unsupported_inputs_are_errors() {
        let err = |s: &str| parse_struct(&lex(s)).unwrap_err();
        assert!(err("enum E { A, B }").contains("not for `enum`"));
        assert!(err("struct G<T> { t: T }").contains("generic"));
        assert!(err("fn f() {}").contains("expects a struct"));
    }

    #[test]
    fn rendered_impl_contains_constants() {
        let code = render_reflect_impl(&StructInfo {
            name: "Point".into(),
            fields: vec!["x".into(), "y".into()],
        });
        assert!(code.contains("impl ::micromegas_transit::Reflect for Point"));
        assert!(code.contains("const TYPE_NAME: &'static str = \"Point\";"));
        assert!(code.contains("const FIELD_COUNT: usize = 2;"));
        assert!(code.contains("&[\"x\", \"y\"]"));
        assert_eq!(
            render_compile_error("boom"),
            "::core::compile_error!(\"boom\");"
        );
    }
}
