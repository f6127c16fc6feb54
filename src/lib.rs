//! SkyDeck.
