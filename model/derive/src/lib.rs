//! The traits every type of the swspec model's state derives, said once.
//!
//! A state type is cloned, compared and hashed by the search (fingerprints, the visited set),
//! ordered by symmetry reduction (clients are sorted) and serialised in reports and discovery
//! paths. Types that also appear in [observations](https://docs.rs/swspec-model) carry a JSON
//! schema (`swspec schema`) and, for the fuzz targets, `Arbitrary`.
//!
//! The attributes only prepend a `#[derive(...)]`; the item is passed through untouched, so
//! rustfmt and the `#[serde]`, `#[default]` helper attributes work as on any derive.

use proc_macro::TokenStream;

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
