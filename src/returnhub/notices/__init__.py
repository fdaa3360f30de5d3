"""Notices that reach people: addressed to users, shown in their inbox, emailed through an outbox."""
