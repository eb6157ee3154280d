//! The header of a sortable table column.

use leptos::prelude::*;

/// A column header that sorts by `key`: the first click sorts ascending, the next ones flip
/// the direction. `sort` is the table's (key, descending).
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
    let aria = Signal::derive(move || match sort.get() {
        (current, false) if current == key => "ascending",
        (current, true) if current == key => "descending",
        _ => "none",
    });
    let on_click = Callback::new(move |()| {
        sort.update(|(current, descending)| {
            if *current == key {
                *descending = !*descending;
            } else {
                *current = key;
                *descending = false;
            }
        })
    });
    view! { <SortableHeader label aria on_click title testid /> }
}

/// A sortable column's header, whatever the table's order is kept as: `aria` is how the
/// column is sorted now (`ascending`, `descending` or `none`, as `aria-sort` takes it), and a
/// click calls `on_click`.
#[component]
pub fn SortableHeader(
    label: String,
    aria: Signal<&'static str>,
    on_click: Callback<()>,
    #[prop(optional_no_strip)] title: Option<String>,
    #[prop(optional_no_strip)] testid: Option<String>,
) -> impl IntoView {
    view! {
        <th aria-sort=aria title=title>
            <button type="button" class="sort-button" data-testid=testid on:click=move |_| on_click.run(())>
                {label}
                <span class="sort-button__arrow" aria-hidden="true">{move || match aria.get() {
                    "ascending" => "▲",
                    "descending" => "▼",
                    _ => "",
                }}</span>
            </button>
        </th>
    }
}
