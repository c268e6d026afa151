"""The top floor's pages: each reads through the selectors of the apps below (DESIGN.md §3)."""
