//! Procedural macros re-exported by the `micromegas` umbrella crate.
//! No dependencies: tokens are handled with the bare `proc_macro` API.

use proc_macro::{Delimiter, Group, Literal, TokenStream, TokenTree};

/// Hashes a string literal with 64-bit FNV-1a at compile time:
/// `fnv1a!("name")` expands to a `u64` literal.
#[proc_macro]
pub fn fnv1a(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let result = match tokens.as_slice() {
        [TokenTree::Literal(literal)] => parse_plain_string_literal(&literal.to_string()),
        _ => Err("fnv1a! expects a single string literal".to_string()),
    };
    match result {
        Ok(text) => TokenTree::Literal(Literal::u64_suffixed(fnv1a64(text.as_bytes()))).into(),
        Err(message) => compile_error(&message),
    }
}

/// Wraps `fn main` so that telemetry is initialized before the body runs and
/// flushed when it returns. Expands to a call to
/// `::micromegas::telemetry_guard(env!("CARGO_PKG_NAME"))`.
#[proc_macro_attribute]
pub fn micromegas_main(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return compile_error("#[micromegas_main] takes no arguments");
    }
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let words: Vec<String> = tokens
        .iter()
        .filter_map(|t| match t {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    if let Err(message) = check_main_signature(&words) {
        return compile_error(&message);
    }
    let Some(TokenTree::Group(body)) = tokens.last().cloned() else {
        return compile_error("#[micromegas_main] expects a function body");
    };
    let mut new_body: TokenStream = MAIN_PRELUDE.parse().expect("prelude is valid rust");
    new_body.extend([TokenTree::Group(Group::new(
        Delimiter::Brace,
        body.stream(),
    ))]);
    let mut wrapped = Group::new(Delimiter::Brace, new_body);
    wrapped.set_span(body.span());
    *tokens.last_mut().expect("non-empty") = TokenTree::Group(wrapped);
    tokens.into_iter().collect()
}

const MAIN_PRELUDE: &str = "let __micromegas_telemetry_guard = ::micromegas::telemetry_guard(::core::env!(\"CARGO_PKG_NAME\"));";

/// Checks the leading identifiers of the item: `fn main`, optionally `pub`.
fn check_main_signature(idents: &[String]) -> Result<(), String> {
    let rest = match idents.first().map(String::as_str) {
        Some("pub") => &idents[1..],
        _ => idents,
    };
    match rest {
        [kw, name, ..] if kw == "fn" && name == "main" => Ok(()),
        [kw, ..] if kw == "async" => {
            Err("#[micromegas_main] does not support async main".to_string())
        }
        _ => Err("#[micromegas_main] must be applied to `fn main`".to_string()),
    }
}

/// Accepts `"..."` without escape sequences.
fn parse_plain_string_literal(text: &str) -> Result<String, String> {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| format!("expected a string literal, found `{text}`"))?;
    if inner.contains('\\') {
        return Err("escape sequences are not supported in fnv1a!".to_string());
    }
    Ok(inner.to_string())
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn compile_error(message: &str) -> TokenStream {
    format!("::core::compile_error!({message:?});")
        .parse()
        .expect("compile_error! invocation is valid rust")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn fnv1a_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn string_literals_are_unquoted() {
        assert_eq!(parse_plain_string_literal("\"abc\"").unwrap(), "abc");
        assert_eq!(parse_plain_string_literal("\"\"").unwrap(), "");
        assert!(parse_plain_string_literal("42").is_err());
        assert!(
            parse_plain_string_literal("\"a\\nb\"")
                .unwrap_err()
                .contains("escape")
        );
    }

    #[test]
    fn main_signature_checks() {
        assert!(check_main_signature(&words("fn main")).is_ok());
        assert!(check_main_signature(&words("pub fn main")).is_ok());
        assert!(check_main_signature(&words("fn start")).is_err());
        assert!(
            check_main_signature(&words("async fn main"))
                .unwrap_err()
                .contains("async")
        );
        assert!(check_main_signature(&[]).is_err());
    }

    #[test]
    fn prelude_calls_the_umbrella_crate() {
        assert!(MAIN_PRELUDE.contains("::micromegas::telemetry_guard"));
        assert!(MAIN_PRELUDE.contains("CARGO_PKG_NAME"));
    }
}
