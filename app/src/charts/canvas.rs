//! The drawing surface every chart uses: plotters' SVG backend addressed in pixels, with the
//! few shapes the charts need. Axes, ticks and legends are laid out by the charts themselves
//! (with `text::text_width`), never by plotters' font measurement, so output is deterministic
//! and the same on every target.

use super::palette::{INK, INK_HEX, SURFACE, SURFACE_HEX};
use super::text::{text_width, trim_end};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Smallest size drawn; anything smaller is drawn at this size rather than collapsing.
const MIN_SIZE: (u32, u32) = (240, 160);

/// Font sizes in CSS pixels.
pub(crate) const TICK_PX: f64 = 11.0;
pub(crate) const LABEL_PX: f64 = 12.0;
pub(crate) const MESSAGE_PX: f64 = 14.0;

/// Where a text's anchor point sits relative to the text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

pub(crate) struct Canvas<'a> {
    area: DrawingArea<SVGBackend<'a>, Shift>,
    pub width: f64,
    pub height: f64,
}

/// Draws with `draw` on a `size` canvas and returns the SVG document. Drawing into a `String`
/// cannot fail, so plotters' results are not passed on.
pub(crate) fn render(size: (u32, u32), draw: impl FnOnce(&Canvas)) -> String {
    let size = (size.0.max(MIN_SIZE.0), size.1.max(MIN_SIZE.1));
    let mut svg = String::new();
    {
        let canvas = Canvas {
            area: SVGBackend::with_string(&mut svg, size).into_drawing_area(),
            width: size.0 as f64,
            height: size.1 as f64,
        };
        draw(&canvas);
        canvas.area.present().ok();
    }
    // Quoted, as only an attribute value can be: text is escaped, so a label reading
    // "#010203" keeps its spelling.
    svg.replace(&format!("=\"{INK_HEX}\""), "=\"currentColor\"")
        .replace(&format!("fill=\"{SURFACE_HEX}\""), SURFACE_FILL)
        .replace("<text ", HALO)
}

/// The page's stylesheet paints these in its surface colour (`.kf-surface`, style/main.css); a
/// downloaded file keeps the light fill. Classes, not `style` attributes: the page's CSP
/// (`style-src 'self'`) blocks inline styles in markup it inserts.
const SURFACE_FILL: &str = "fill=\"#ffffff\" class=\"kf-surface\"";

/// Every text gets a halo in the page's surface colour (`.kf-halo` in the stylesheet), so tick
/// labels stay legible where many lines cross them.
const HALO: &str = "<text class=\"kf-halo\" ";

/// A chart with nothing to show: its frame with `message` in the middle, so the page never
/// shows an empty box that looks broken.
pub(crate) fn empty_state(size: (u32, u32), message: &str) -> String {
    render(size, |canvas| {
        let (w, h) = (canvas.width, canvas.height);
        canvas.rect((1.0, 1.0), (w - 1.0, h - 1.0), INK.mix(0.25), false);
        let message = trim_end(message, MESSAGE_PX, w - 32.0);
        canvas.text(
            &message,
            (w / 2.0, h / 2.0),
            Anchor::Middle,
            MESSAGE_PX,
            INK.mix(0.75),
        );
    })
}

fn point((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// The size to give plotters for `px`: its SVG backend writes `size / 1.24`, and the nearest
/// float that divides back to exactly `px` keeps `font-size="12"` free of rounding noise.
fn plotters_font_size(px: f64) -> f64 {
    let guess = px * 1.24;
    let (mut up, mut down) = (guess, guess);
    for _ in 0..4 {
        for size in [up, down] {
            if size / 1.24 == px {
                return size;
            }
        }
        (up, down) = (up.next_up(), down.next_down());
    }
    guess
}

impl Canvas<'_> {
    pub fn line(&self, from: (f64, f64), to: (f64, f64), color: RGBAColor, width: u32) {
        self.path(vec![point(from), point(to)], color, width);
    }

    /// A polyline through pixel points (one SVG element however long).
    pub fn path(&self, points: Vec<(i32, i32)>, color: RGBAColor, width: u32) {
        let style = ShapeStyle {
            color,
            filled: false,
            stroke_width: width,
        };
        self.area.draw(&PathElement::new(points, style)).ok();
    }

    pub fn dashed(&self, from: (f64, f64), to: (f64, f64), color: RGBAColor, width: u32) {
        let style = ShapeStyle {
            color,
            filled: false,
            stroke_width: width,
        };
        let points = [point(from), point(to)];
        self.area
            .draw(&DashedPathElement::new(points, 6, 4, style))
            .ok();
    }

    pub fn rect(&self, from: (f64, f64), to: (f64, f64), color: RGBAColor, filled: bool) {
        let style = ShapeStyle {
            color,
            filled,
            stroke_width: 1,
        };
        self.area
            .draw(&Rectangle::new([point(from), point(to)], style))
            .ok();
    }

    pub fn circle(&self, center: (f64, f64), radius: u32, color: RGBAColor, filled: bool) {
        let style = ShapeStyle {
            color,
            filled,
            stroke_width: if filled { 1 } else { 2 },
        };
        self.area
            .draw(&Circle::new(point(center), radius, style))
            .ok();
    }

    /// A filled triangle pointing up, centred on `center`: the early-stopped marker.
    pub fn triangle(&self, center: (f64, f64), radius: f64, color: RGBAColor) {
        let (x, y) = center;
        let corners = vec![
            point((x, y - radius)),
            point((x + radius * 0.9, y + radius * 0.6)),
            point((x - radius * 0.9, y + radius * 0.6)),
        ];
        let style = ShapeStyle {
            color,
            filled: true,
            stroke_width: 1,
        };
        self.area.draw(&Polygon::new(corners, style)).ok();
    }

    /// One line of text, vertically centred on `at`.
    pub fn text(&self, text: &str, at: (f64, f64), anchor: Anchor, px: f64, color: RGBAColor) {
        self.styled_text(
            text,
            at,
            anchor,
            px,
            color,
            FontStyle::Normal,
            FontTransform::None,
        );
    }

    /// Text on a patch of the page's background, legible where lines run under it.
    pub fn boxed_text(
        &self,
        text: &str,
        at: (f64, f64),
        anchor: Anchor,
        px: f64,
        color: RGBAColor,
    ) {
        let width = text_width(text, px);
        let (x, y) = at;
        let start = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - width / 2.0,
            Anchor::End => x - width,
        };
        let half = px * 0.6;
        self.rect(
            (start - 2.0, y - half),
            (start + width + 2.0, y + half),
            SURFACE.mix(0.8),
            true,
        );
        self.text(text, at, anchor, px, color);
    }

    pub fn bold_text(&self, text: &str, at: (f64, f64), anchor: Anchor, px: f64, color: RGBAColor) {
        self.styled_text(
            text,
            at,
            anchor,
            px,
            color,
            FontStyle::Bold,
            FontTransform::None,
        );
    }

    /// Text running bottom to top (a y-axis title), centred on `at`.
    pub fn vertical_text(&self, text: &str, at: (f64, f64), px: f64, color: RGBAColor) {
        self.styled_text(
            text,
            at,
            Anchor::Middle,
            px,
            color,
            FontStyle::Normal,
            FontTransform::Rotate270,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn styled_text(
        &self,
        text: &str,
        at: (f64, f64),
        anchor: Anchor,
        px: f64,
        color: RGBAColor,
        style: FontStyle,
        transform: FontTransform,
    ) {
        if text.is_empty() {
            return;
        }
        let h_pos = match anchor {
            Anchor::Start => HPos::Left,
            Anchor::Middle => HPos::Center,
            Anchor::End => HPos::Right,
        };
        let font = FontDesc::new(FontFamily::SansSerif, plotters_font_size(px), style)
            .transform(transform);
        let text_style = TextStyle::from(font)
            .color(&color)
            .pos(Pos::new(h_pos, VPos::Center));
        self.area.draw(&Text::new(text, point(at), text_style)).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_sizes_print_exactly() {
        // Not every size has such a float (13 has none); these, used here, do.
        for px in [9.0, 10.0, 11.0, 12.0, 14.0] {
            assert_eq!(plotters_font_size(px) / 1.24, px, "{px}");
        }
        let svg = render((300, 200), |c| {
            c.text("x", (10.0, 10.0), Anchor::Start, 11.0, INK.mix(1.0));
        });
        assert!(svg.contains(r#"font-size="11""#), "{svg}");
    }

    #[test]
    fn ink_becomes_current_color_and_sizes_are_clamped() {
        let svg = render((10, 10), |c| {
            c.line((0.0, 0.0), (5.0, 5.0), INK.mix(0.5), 1);
        });
        assert!(svg.contains(r#"width="240" height="160""#), "{svg}");
        assert!(svg.contains(r#"stroke="currentColor""#), "{svg}");
        assert!(!svg.contains(INK_HEX));
        let svg = render((300, 200), |c| {
            c.text(INK_HEX, (10.0, 10.0), Anchor::Start, 11.0, INK.mix(1.0));
        });
        assert!(svg.contains(&format!(">\n{INK_HEX}\n</text>")), "{svg}");
        assert!(svg.contains(r#"fill="currentColor""#), "{svg}");
    }

    #[test]
    fn boxed_text_sits_on_the_page_background() {
        let svg = render((300, 200), |c| {
            c.boxed_text("adam", (100.0, 50.0), Anchor::End, 11.0, INK.mix(1.0));
        });
        assert!(
            svg.contains(r##"fill="#ffffff" class="kf-surface""##),
            "{svg}"
        );
        assert!(!svg.contains(SURFACE_HEX));
        let rect = svg.find("<rect").unwrap();
        assert!(
            rect < svg.find("<text").unwrap(),
            "the patch goes under the text"
        );
    }

    #[test]
    fn an_empty_state_says_why_inside_its_frame() {
        let svg = empty_state((400, 300), "No observations yet");
        assert!(svg.contains("<rect"));
        assert!(svg.contains(">\nNo observations yet\n</text>"), "{svg}");
    }
}
