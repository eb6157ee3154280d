//! The header of a sortable table column.

use leptos::prelude::*;

/// A column header that sorts by `key`: the first click sorts ascending, the next ones flip
/// the direction. `sort` is the table's (key, descending); `aria-sort` says what is sorted.
#[component]
pub fn SortHeader<K>(
    label: String,
    key: K,
    sort: RwSignal<(K, bool)>,
    /// A hint on the header (what the column's values are).
    #[prop(optional_no_strip)]
    title: Option<String>,
    #[prop(optional_no_strip)] testid: Option<String>,
) -> impl IntoView
where
    K: PartialEq + Copy + Send + Sync + 'static,
{
    let aria = move || match sort.get() {
        (current, false) if current == key => "ascending",
        (current, true) if current == key => "descending",
        _ => "none",
    };
    view! {
        <th aria-sort=aria title=title>
            <button
                type="button"
                class="sort-button"
                data-testid=testid
                on:click=move |_| sort.update(|(current, descending)| {
                    if *current == key {
                        *descending = !*descending;
                    } else {
                        *current = key;
                        *descending = false;
                    }
                })
            >
                {label}
                <span class="sort-button__arrow" aria-hidden="true">{move || match aria() {
                    "ascending" => "▲",
                    "descending" => "▼",
                    _ => "",
                }}</span>
            </button>
        </th>
    }
}
