"""The names a test suite using the ``telnyx_mock`` fixture imports, where they always were.

The fixture is registered by the top-level ``pytest_telnyx_mock`` module (entry point
``pytest11``); its code is in :mod:`mockserver.testing`.
"""

from mockserver.testing import ReceivedWebhook, TelnyxMock, WebhookTimeout

__all__ = ["ReceivedWebhook", "TelnyxMock", "WebhookTimeout"]
