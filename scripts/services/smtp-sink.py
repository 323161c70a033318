# The SMTP sinks of scripts/services/smtp (not executable on purpose: scripts/services/lib.sh
# starts every executable file here as a service). Argument: the state directory.
import datetime, ipaddress, json, os, signal, socket, ssl, sys, threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "ops", "pa:ss"
state = sys.argv[1]
log_path = os.path.join(state, "mail.jsonl")
lock = threading.Lock()


def issue_certificates():
    """A CA (written as ca.pem, what the tests trust) and a localhost certificate it signs."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hookstream test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(state, name) for name in ("ca.pem", "cert.pem", "key.pem")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert.pem"], "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(paths["key.pem"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


class Sink:
    def __init__(self, name):
        self.name = name

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("busy"):
            return "451 4.3.2 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {"server": self.name, "from": envelope.mail_from, "to": envelope.rcpt_tos,
                  "data": envelope.content.decode("utf-8", "replace"), "tls": session.ssl is not None or self.name == "smtps",
                  "login": session.auth_data.login.decode() if session.authenticated and session.auth_data else None}
        with lock, open(log_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK queued"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    # handled=False: aiosmtpd answers the 535 itself; auth_data is kept on the session.
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def free_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


paths = issue_certificates()
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(paths["cert.pem"], paths["key.pem"])
ports = {name: free_port() for name in ("plain", "starttls", "smtps")}
controllers = [
    Controller(Sink("plain"), hostname="127.0.0.1", port=ports["plain"], auth_require_tls=False),
    Controller(Sink("starttls"), hostname="127.0.0.1", port=ports["starttls"], server_hostname="localhost", tls_context=context,
               require_starttls=True, authenticator=authenticate, auth_required=True, auth_require_tls=True),
    Controller(Sink("smtps"), hostname="127.0.0.1", port=ports["smtps"], server_hostname="localhost", ssl_context=context,
               # Already TLS from the first byte: aiosmtpd only counts STARTTLS as TLS here.
               authenticator=authenticate, auth_required=True, auth_require_tls=False),
]
for controller in controllers:
    controller.start()


def stop(*_):
    for controller in controllers:
        controller.stop()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
lines = [
    f"HOOKSTREAM_TEST_SMTP_PLAIN_PORT={ports['plain']}",
    f"HOOKSTREAM_TEST_SMTP_STARTTLS_PORT={ports['starttls']}",
    f"HOOKSTREAM_TEST_SMTPS_PORT={ports['smtps']}",
    f"HOOKSTREAM_TEST_SMTP_CA_FILE={paths['ca.pem']}",
    f"HOOKSTREAM_TEST_SMTP_LOG={log_path}",
    f"HOOKSTREAM_TEST_SMTP_LOGIN={USER}:{PASSWORD}",
]
with open(os.path.join(state, "ready.tmp"), "w") as f:
    f.write("\n".join(lines) + "\n")
os.rename(os.path.join(state, "ready.tmp"), os.path.join(state, "ready"))
threading.Event().wait()
