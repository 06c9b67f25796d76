//! Exhaustive search (placeholder, filled in below).
