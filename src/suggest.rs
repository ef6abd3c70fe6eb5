//! Did-you-mean, as cargo says it: for a name that matched nothing, the nearest of the names
//! there are (Levenshtein distance at most 3, the first on a tie).

/// The name of `names` nearest to `choice`, if one is near enough.
pub fn closest<'a>(choice: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|name| (strsim::levenshtein(choice, name), name))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Cargo's help line for `similar`, to follow an error's message: empty when there is none.
pub fn help(similar: Option<&str>) -> String {
    similar.map(|name| format!("\n\nhelp: a package with a similar name exists: `{name}`")).unwrap_or_default()
}
