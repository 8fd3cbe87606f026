# Benchmark target for bench/loadgen.ts: one GET of LOCUST_PATH (default /) per task, no wait, as fast as Locust goes.
# LOCUST_CLIENT=fast selects FastHttpUser (geventhttpclient); the default is HttpUser (requests),
# the client the Sock Shop load test used.
import os

from locust import FastHttpUser, HttpUser, constant, task

PATH = os.environ.get("LOCUST_PATH", "/")

if os.environ.get("LOCUST_CLIENT") == "fast":

    class FastGet(FastHttpUser):
        wait_time = constant(0)

        @task
        def get(self):
            self.client.get(PATH)

else:

    class Get(HttpUser):
        wait_time = constant(0)

        @task
        def get(self):
            self.client.get(PATH)
