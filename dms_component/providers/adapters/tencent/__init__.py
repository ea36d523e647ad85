"""Tencent Cloud: the SES sender-domain API and DNSPod, through the official SDK (see client.py)."""
