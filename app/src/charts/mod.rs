//! Plots drawn with plotters into SVG strings: pure functions of their data, compiled natively
//! (snapshot tests, the server) and to WASM (the pages draw them in the browser).
//!
//! Every plot takes its data and a `(width, height)` in pixels and returns a whole `<svg>`
//! document, or one that says in its frame why there is nothing to draw. The Katib plots:
//!
//! - [`parallel_coordinates`]: parameters, other metrics, then the objective as axes; a line
//!   per trial coloured by its objective (best strongest), one trial highlighted.
//! - [`objective_history`]: the objective in completion order, best so far, the goal.
//! - [`objective_vs_parameters`]: one small panel per parameter against the objective.
//! - [`learning_curves`]: a metric over time, trials overlaid.
//!
//! and [`csv`] gives each plot's data (and the trials table) as CSV.
//!
//! Theme: text, axes and grid are drawn in `currentColor`, and labels carry the classes
//! `kf-halo` (a halo) and `kf-surface` (a patch, where lines cross them) that style/main.css
//! paints in the theme's surface colour under `.plot`, so a chart put in the page with
//! `inner_html` follows the light or dark theme without being redrawn. Classes rather than
//! `style` attributes, which the page's CSP blocks. Data colours sit at mid luminance to read
//! on both. A chart saved as a file draws black on white.
//!
//! Layout never asks plotters to measure text (it would measure through a canvas in the
//! browser): `text::text_width` estimates it, so output is the same on every target and the
//! snapshot tests in `tests/` hold for the browser too.

mod axes;
mod canvas;
pub mod csv;
mod curves;
mod data;
mod history;
mod legend;
mod palette;
mod parallel;
mod scale;
mod scatter;
mod text;
mod time;

pub use csv::{
    learning_curves_csv, objective_history_csv, objective_vs_parameters_csv,
    parallel_coordinates_csv, to_csv, trials_csv,
};
pub use curves::learning_curves;
pub use history::objective_history;
pub use parallel::parallel_coordinates;
pub use scatter::objective_vs_parameters;

#[cfg(test)]
mod tests;
