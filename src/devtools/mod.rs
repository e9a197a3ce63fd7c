//! The developer's tools (cargo feature `dev-tools`, never in the terminal's build; `image/build`
//! checks that): the demo with its simulated bench, the screenshots and their fit check, the
//! reference upstream, and the simulated devices of a burn-in.

pub mod burn_in;
pub mod chinese_words;
pub mod demo;
pub mod reference_upstream;
pub mod review_pictures;
pub mod screen_fit;
pub mod screenshots;
