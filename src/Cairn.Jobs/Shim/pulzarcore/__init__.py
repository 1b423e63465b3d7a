"""Cairn's stand-in for Pulzar's ``pulzarcore`` package: only what jobs import (``core_jobs.CoreJobs``)."""
