from tests.fakes.fixtures import fake_oap, fake_oap_server

__all__ = ["fake_oap", "fake_oap_server"]
