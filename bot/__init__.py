"""Childhood ALL guide bot: the engine."""
