//! The namespace's events, grouped by day, newest first. Text only: messages come from the
//! cluster and are rendered escaped.

use crate::api::list_activity;
use crate::domain::activity::{by_day, clock};
use leptos::prelude::*;

#[component]
pub fn ActivityFeed(
    /// The namespace whose events to show; nothing is fetched without one.
    namespace: Signal<Option<String>>,
    /// How many events at most.
    #[prop(default = 200)]
    limit: usize,
) -> impl IntoView {
    let events = Resource::new(
        move || namespace.get(),
        |namespace| async move {
            match namespace {
                Some(namespace) => list_activity(namespace).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || events.get().map(|result| match result {
                Err(error) => view! { <p class="form-error" role="alert" data-testid="activity-error">{error.to_string()}</p> }.into_any(),
                Ok(None) => view! { <p class="muted">"Choose a namespace to see its activity."</p> }.into_any(),
                Ok(Some(list)) if list.is_empty() => view! { <p class="muted" data-testid="activity-empty">"Nothing has happened here yet."</p> }.into_any(),
                Ok(Some(mut list)) => {
                    list.truncate(limit);
                    view! {
                        <div class="activity" data-testid="activity">
                            {by_day(list).into_iter().map(|(day, events)| view! {
                                <section class="activity__day">
                                    <h3 class="activity__date">{day}</h3>
                                    <ul class="activity__list">
                                        {events.into_iter().map(|event| {
                                            let time = clock(&event.time).to_string();
                                            view! {
                                                <li class="activity__item" class:activity__item--warning=event.warning data-testid="activity-item">
                                                    <span class="activity__time">{time}</span>
                                                    <span class="activity__reason">{event.reason}</span>
                                                    <span class="activity__object">{event.object}</span>
                                                    <span class="activity__message">{event.message}</span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
