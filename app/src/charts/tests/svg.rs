//! Reading the charts' SVG back in tests: elements, attributes, texts.

/// The SVG elements named `tag`, in document order, as their opening tags.
pub(super) fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .map(|(at, _)| &svg[at..at + svg[at..].find('>').unwrap_or(0)])
        .collect()
}

pub(super) fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    Some(&element[start..start + element[start..].find('"')?])
}

/// Lines drawn in data colours (not the axes' `currentColor`).
pub(super) fn data_lines(svg: &str) -> Vec<&str> {
    elements(svg, "polyline")
        .into_iter()
        .filter(|e| attribute(e, "stroke") != Some("currentColor"))
        .collect()
}

/// Every text drawn, unescaped only as far as the SVG shows it.
pub(super) fn texts(svg: &str) -> Vec<&str> {
    let chunks: Vec<&str> = svg.split("</text>").collect();
    chunks[..chunks.len() - 1]
        .iter()
        .filter_map(|chunk| chunk.rsplit_once(">\n").map(|(_, text)| text.trim_end()))
        .collect()
}

pub(super) const ACCENT_HEX: &str = "#E84E1B";
pub(super) const BEST_HEX: &str = "#2A6CEB";
