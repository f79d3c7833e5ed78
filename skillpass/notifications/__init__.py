"""Email choices (/account/email) and one-click unsubscribe from a digest (issue 15, part D)."""
