//! The traits every type of the swspec model's state derives, said once.
//!
//! A state type is cloned, compared and hashed by the search (fingerprints, the visited set),
//! ordered by symmetry reduction (clients are sorted) and serialised in reports and discovery
//! paths. Types that also appear in [observations](https://docs.rs/swspec-model) carry a JSON
//! schema (`swspec schema`) and, for the fuzz targets, `Arbitrary`.
//!
//! The attributes only prepend a `#[derive(...)]`; the item is passed through untouched, so
//! rustfmt and the `#[serde]`, `#[default]` helper attributes work as on any derive.
//!
//! [`macro@Kinds`] derives an internally tagged enum's list of tags (`KINDS`) and the index of a
//! value's tag in it (`kind_index`), so the list cannot drift from the enum.

use proc_macro::{Delimiter, TokenStream, TokenTree};

/// The derives of a type held in the model's state.
const STATE: &str = "Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, \
                     ::serde::Serialize, ::serde::Deserialize";

/// Derives `Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize`, plus
/// the traits listed in the attribute (`#[state_type(Copy, Default)]`).
#[proc_macro_attribute]
pub fn state_type(extra: TokenStream, item: TokenStream) -> TokenStream {
    with_derives(STATE, extra, "", item)
}

/// A [`macro@state_type`] that an observation (a trace's vocabulary) also holds: it adds
/// `schemars::JsonSchema` and, under the `arbitrary` feature, `arbitrary::Arbitrary`.
#[proc_macro_attribute]
pub fn observed_type(extra: TokenStream, item: TokenStream) -> TokenStream {
    with_derives(
        &format!("{STATE}, ::schemars::JsonSchema"),
        extra,
        "#[cfg_attr(feature = \"arbitrary\", derive(::arbitrary::Arbitrary))]",
        item,
    )
}

/// `#[derive(base, extra)] attrs item`.
fn with_derives(base: &str, extra: TokenStream, attrs: &str, item: TokenStream) -> TokenStream {
    let extra = extra.to_string();
    let list = if extra.trim().is_empty() {
        base.to_string()
    } else {
        format!("{base}, {extra}")
    };
    let mut out: TokenStream = format!("#[derive({list})] {attrs}")
        .parse()
        .expect("a derive attribute is valid Rust");
    out.extend(item);
    out
}

/// On an enum serialised with `#[serde(tag = "...", rename_all = "snake_case")]` and no
/// per-variant renames: `pub const KINDS: &'static [&'static str]`, the variants' tags in
/// declaration order, and `pub fn kind_index(&self) -> usize`, the position of a value's tag in
/// `KINDS`. The enum's generic parameters may not have bounds (none of the model's do).
#[proc_macro_derive(Kinds)]
pub fn derive_kinds(item: TokenStream) -> TokenStream {
    match kinds(item) {
        Ok(out) => out,
        Err(msg) => format!("compile_error!({msg:?});")
            .parse()
            .unwrap_or_default(),
    }
}

fn kinds(item: TokenStream) -> Result<TokenStream, String> {
    let mut tokens = item.into_iter().peekable();
    // Outer attributes and visibility, up to `enum Name`.
    let name = loop {
        match tokens.next() {
            Some(TokenTree::Ident(i)) if i.to_string() == "enum" => match tokens.next() {
                Some(TokenTree::Ident(name)) => break name.to_string(),
                _ => return Err("#[derive(Kinds)]: expected the enum's name".into()),
            },
            Some(TokenTree::Ident(i)) if i.to_string() == "struct" || i.to_string() == "union" => {
                return Err("#[derive(Kinds)] applies to enums only".into())
            }
            Some(_) => {}
            None => return Err("#[derive(Kinds)]: no enum found".into()),
        }
    };
    // Generic parameters, up to the body.
    let mut params = Vec::new();
    let body = loop {
        match tokens.next() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => break g.stream(),
            Some(TokenTree::Ident(i)) => params.push(i.to_string()),
            Some(TokenTree::Punct(p)) if matches!(p.as_char(), '<' | '>' | ',') => {}
            Some(other) => {
                return Err(format!(
                    "#[derive(Kinds)]: unsupported token `{other}` in the generics (no bounds, \
                     lifetimes or where clauses)"
                ))
            }
            None => return Err("#[derive(Kinds)]: the enum has no body".into()),
        }
    };
    let variants = variant_names(body)?;
    let generics = if params.is_empty() {
        String::new()
    } else {
        format!("<{}>", params.join(", "))
    };
    let tags: Vec<String> = variants
        .iter()
        .map(|v| format!("{:?}", snake_case(v)))
        .collect();
    let arms: Vec<String> = variants
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{name}::{v} {{ .. }} => {i},"))
        .collect();
    let out = format!(
        "impl{generics} {name}{generics} {{
            /// Every variant's serialised tag, in declaration order (derived by `Kinds`).
            pub const KINDS: &'static [&'static str] = &[{tags}];

            /// The position of this value's tag in [`Self::KINDS`].
            pub fn kind_index(&self) -> usize {{
                match self {{ {arms} }}
            }}
        }}",
        tags = tags.join(", "),
        arms = arms.join(" "),
    );
    out.parse()
        .map_err(|e| format!("#[derive(Kinds)] generated invalid code: {e}"))
}

/// The variants' names: at the top level of the body, the identifier after the attributes of
/// each comma-separated entry.
fn variant_names(body: TokenStream) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut expect_name = true;
    let mut after_hash = false;
    for t in body {
        match t {
            TokenTree::Punct(p) if p.as_char() == '#' => after_hash = true,
            TokenTree::Group(g) if after_hash && g.delimiter() == Delimiter::Bracket => {
                after_hash = false
            }
            TokenTree::Ident(i) if expect_name => {
                names.push(i.to_string());
                expect_name = false;
            }
            TokenTree::Punct(p) if p.as_char() == ',' => expect_name = true,
            _ if expect_name => return Err(format!("#[derive(Kinds)]: unexpected `{t}`")),
            _ => {}
        }
    }
    Ok(names)
}

/// serde's `rename_all = "snake_case"` of a variant name.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.char_indices() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
