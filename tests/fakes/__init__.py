"""Local stand-ins for remote services, speaking their documented wire protocols."""
