//! Plots drawn with plotters into SVG strings: pure functions of their data, compiled natively
//! (snapshot tests, the server) and to WASM (the pages draw them in the browser).
