"""The adapters around the core: DNS hosts, ledgers, the Tencent Cloud client, the resolver and the verifier.

Each owns its settings and their validation; none imports Pulumi (the resources above translate for it).
"""
