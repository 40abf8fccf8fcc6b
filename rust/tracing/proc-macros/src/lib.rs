//! Procedural macros for `micromegas-tracing`, written against the bare
//! `proc_macro` API (no `syn`/`quote`).

use proc_macro::{Delimiter, Group, TokenStream, TokenTree};

/// Records a span around every call of the annotated function.
///
/// The span is named `module_path::function` unless a string literal is
/// given: `#[span_fn("custom name")]`. The expansion refers to
/// `::micromegas_tracing::SpanGuard`.
#[proc_macro_attribute]
pub fn span_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    match expand_span_fn(attr, item) {
        Ok(stream) => stream,
        Err(message) => format!("::core::compile_error!({message:?});")
            .parse()
            .expect("compile_error! invocation is valid rust"),
    }
}

fn expand_span_fn(attr: TokenStream, item: TokenStream) -> Result<TokenStream, String> {
    let custom_name = match attr.into_iter().collect::<Vec<_>>().as_slice() {
        [] => None,
        [TokenTree::Literal(literal)] => {
            let text = literal.to_string();
            validate_name_literal(&text)?;
            Some(text)
        }
        _ => return Err("`span_fn` accepts at most one string literal argument".to_string()),
    };

    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let idents: Vec<Option<String>> = tokens
        .iter()
        .map(|token| match token {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    let fn_name = find_fn_name(&idents)?;

    let body = match tokens.last() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group.clone(),
        _ => return Err("`span_fn` can only be applied to a function with a body".to_string()),
    };
    let mut new_body: TokenStream = guard_statement(&fn_name, custom_name.as_deref())
        .parse()
        .map_err(|error| format!("span_fn generated invalid tokens: {error}"))?;
    let mut original = Group::new(Delimiter::Brace, body.stream());
    original.set_span(body.span());
    new_body.extend([TokenTree::Group(original)]);
    let mut wrapped = Group::new(Delimiter::Brace, new_body);
    wrapped.set_span(body.span());
    *tokens.last_mut().expect("checked above") = TokenTree::Group(wrapped);
    Ok(tokens.into_iter().collect())
}

/// Finds the identifier following the first top-level `fn` keyword.
fn find_fn_name(idents: &[Option<String>]) -> Result<String, String> {
    let position = idents
        .iter()
        .position(|ident| ident.as_deref() == Some("fn"))
        .ok_or_else(|| "`span_fn` can only be applied to functions".to_string())?;
    match idents.get(position + 1) {
        Some(Some(name)) => Ok(name.strip_prefix("r#").unwrap_or(name).to_string()),
        _ => Err("`span_fn`: expected a function name after `fn`".to_string()),
    }
}

/// Accepts plain and raw string literals (`"..."`, `r"..."`, `r#"..."#`).
fn validate_name_literal(text: &str) -> Result<(), String> {
    let unprefixed = text.strip_prefix('r').map(|rest| rest.trim_matches('#'));
    let body = unprefixed.unwrap_or(text);
    if body.len() >= 2 && body.starts_with('"') && body.ends_with('"') {
        Ok(())
    } else {
        Err(format!(
            "`span_fn` expects a string literal as span name, found `{text}`"
        ))
    }
}

fn guard_statement(fn_name: &str, custom_name: Option<&str>) -> String {
    let name_expr = match custom_name {
        Some(literal) => literal.to_string(),
        None => format!("::core::concat!(::core::module_path!(), \"::\", {fn_name:?})"),
    };
    format!("let __micromegas_span_guard = ::micromegas_tracing::SpanGuard::new({name_expr});")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(words: &[&str]) -> Vec<Option<String>> {
        words
            .iter()
            .map(|w| (!w.is_empty()).then(|| w.to_string()))
            .collect()
    }

    #[test]
    fn finds_function_name_after_qualifiers() {
        let tokens = idents(&["pub", "", "async", "fn", "ingest", "", ""]);
        assert_eq!(find_fn_name(&tokens).unwrap(), "ingest");
        assert_eq!(find_fn_name(&idents(&["fn", "r#match"])).unwrap(), "match");
    }

    #[test]
    fn rejects_non_functions() {
        assert!(find_fn_name(&idents(&["struct", "S"])).is_err());
        assert!(
            find_fn_name(&idents(&["fn", ""]))
                .unwrap_err()
                .contains("function name")
        );
    }

    #[test]
    fn validates_span_name_literals() {
        assert!(validate_name_literal("\"db::query\"").is_ok());
        assert!(validate_name_literal("r\"raw\"").is_ok());
        assert!(validate_name_literal("r#\"raw \" quote\"#").is_ok());
        assert!(validate_name_literal("42").is_err());
        assert!(validate_name_literal("'c'").is_err());
        assert!(validate_name_literal("\"").is_err());
    }

    #[test]
    fn guard_statement_uses_module_path_by_default() {
        let default = guard_statement("ingest", None);
        assert_eq!(
            default,
            "let __micromegas_span_guard = ::micromegas_tracing::SpanGuard::new(\
             ::core::concat!(::core::module_path!(), \"::\", \"ingest\"));"
        );
        let custom = guard_statement("ingest", Some("\"custom\""));
        assert!(custom.ends_with("SpanGuard::new(\"custom\");"));
    }
}
