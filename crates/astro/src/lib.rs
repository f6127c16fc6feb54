//! Positional astronomy and a bright-object catalog.
