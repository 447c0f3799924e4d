"""Real brokers for the tests: Debian's Mosquitto and RabbitMQ, our own instances.

Each starts on free ports of 127.0.0.1 with its own configuration and data in
a temporary folder: a broker that happens to run on a default port (1883,
5672) is never used. ``kill()`` stops one abruptly (SIGKILL; Mosquitto:
SIGTERM, see below) and ``start()`` brings it back on the same ports and data.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


class BrokerMissing(RuntimeError):
    """The broker's Debian package is not installed (bin/test installs it)."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout, process=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    tail = ""
    if log and os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as handle:
            tail = handle.read()[-2000:]
    raise RuntimeError(f"broker on 127.0.0.1:{port} did not start within {timeout} s\n{tail}")


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_port_closed(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
        except OSError:
            return
        time.sleep(0.05)
    raise RuntimeError(f"127.0.0.1:{port} still accepts connections after {timeout} s")


class _Broker:
    process = None

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix=f"stock-sync-{self.name}-")
        self.port = free_port()

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own broker, fixed arguments
            self.command(),
            env=self.environment(),
            stdout=open(self.log, "ab"),  # noqa: SIM115 - the broker keeps it
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.start_timeout, self.process, self.log)
        return self

    @property
    def log(self):
        return os.path.join(self.dir, "broker.log")

    def environment(self):
        return dict(os.environ)

    def kill(self, sig=signal.SIGKILL):
        """Stop the broker at once: connections drop mid-flight."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(30)
            if _group_alive(self.process.pid):  # what the shell started (RabbitMQ: beam)
                os.killpg(self.process.pid, signal.SIGKILL)
        wait_for_port_closed(self.port, 30)

    def stop(self):
        self.kill(signal.SIGTERM)
        shutil.rmtree(self.dir, ignore_errors=True)


class Mosquitto(_Broker):
    """Mosquitto 2 with persistence (a persistent session survives a restart).

    ``kill()`` sends SIGTERM by default: Mosquitto then drops every
    connection at once but saves its sessions, as a broker with durable
    storage would; SIGKILL would lose what it acknowledged since the last
    autosave, which is the broker's durability, not ours to test.
    """

    name = "mosquitto"
    start_timeout = 10

    def __init__(self, max_inflight=20):
        if not os.path.exists(MOSQUITTO):
            raise BrokerMissing("mosquitto is not installed: apt-get install mosquitto")
        super().__init__()
        with open(os.path.join(self.dir, "mosquitto.conf"), "w", encoding="utf-8") as conf:
            conf.write(
                f"listener {self.port} 127.0.0.1\n"
                "allow_anonymous true\n"
                "persistence true\n"
                f"persistence_location {self.dir}/\n"
                "autosave_interval 1\n"
                f"max_inflight_messages {max_inflight}\n"
                "max_queued_messages 100000\n"
                "log_dest stdout\n"
                "log_type error\n"
                "log_type warning\n"
            )

    def command(self):
        return [MOSQUITTO, "-c", os.path.join(self.dir, "mosquitto.conf")]

    def kill(self, sig=signal.SIGTERM):
        return super().kill(sig)

    @property
    def url(self):
        return f"mqtt://127.0.0.1:{self.port}"


class RabbitMQ(_Broker):
    """A RabbitMQ node of our own: own node name, ports, Erlang port mapper, data, cookie.

    Starts in about 7 s on 2 cores: share one per test class.
    """

    name = "rabbitmq"
    start_timeout = 90

    def __init__(self):
        if not os.path.exists(RABBITMQ_SERVER):
            raise BrokerMissing("rabbitmq-server is not installed: apt-get install rabbitmq-server")
        super().__init__()
        self.dist_port, self.epmd_port = free_port(), free_port()
        self.node = f"stocksync{self.port}@localhost"
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w", encoding="utf-8") as conf:
            conf.write(
                f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users = none\n"
                "log.console = true\nlog.console.level = warning\nlog.file = false\n"
            )
        with open(os.path.join(self.dir, "enabled_plugins"), "w", encoding="utf-8") as plugins:
            plugins.write("[].\n")
        open(os.path.join(self.dir, "rabbitmq-env.conf"), "w").close()  # noqa: SIM115

    def environment(self):
        env = dict(os.environ)
        env.update(
            HOME=self.dir,  # the Erlang cookie
            RABBITMQ_CONF_ENV_FILE=os.path.join(self.dir, "rabbitmq-env.conf"),
            RABBITMQ_CONFIG_FILE=os.path.join(self.dir, "rabbitmq.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.dir, "enabled_plugins"),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
            RABBITMQ_MNESIA_BASE=os.path.join(self.dir, "mnesia"),
            RABBITMQ_LOG_BASE=os.path.join(self.dir, "log"),
            RABBITMQ_PLUGINS_EXPAND_DIR=os.path.join(self.dir, "plugins-expand"),
            RABBITMQ_PID_FILE=os.path.join(self.dir, "pid"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
        )
        return env

    def command(self):
        return [RABBITMQ_SERVER]

    def stop(self):
        self.kill()
        # The Erlang port mapper it started runs on our own port: stop it too.
        subprocess.run(  # noqa: S603
            ["epmd", "-port", str(self.epmd_port), "-kill"],
            capture_output=True,
            check=False,
            timeout=10,
            env=self.environment(),
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return f"amqp://127.0.0.1:{self.port}/"
