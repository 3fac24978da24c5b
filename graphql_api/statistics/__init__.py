"""Statistics: account overviews and bank-wide figures."""
