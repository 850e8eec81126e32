"""The payments company's domain: markets, money, policies and account actions."""
