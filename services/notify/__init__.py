"""notify: personal inboxes and deliveries (in-app, webhooks, SMS/IM adapters), and the
subscriptions of outside systems."""
