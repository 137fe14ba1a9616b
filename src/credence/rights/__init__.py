"""The subject's rights: appeals, contested links, credit repair, access and the path forward.

Library code: each function takes a catalog connection and the service day, checks the rules of
due process and raises ``CredenceError`` subclasses; the service and the CLI translate them.
"""
