"""The service: store, poller, outbox pusher, scheduler, review queue, HTTP API."""
