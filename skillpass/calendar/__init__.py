"""A person's private calendar feed and the account page that gives its address."""
