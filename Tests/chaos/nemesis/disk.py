"""Disk full for one node: its data dir is a size-limited tmpfs, and the fault
fills what is left with a file (healed by deleting it). Needs mount
privileges; `SmallDisk.mount` returns None where they are missing."""
import os
import subprocess


class SmallDisk:
    def __init__(self, path):
        self.path = path
        self.filler = path / "disk-full.filler"

    @classmethod
    def mount(cls, path, megabytes):
        path.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(path)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"disk-full nemesis unavailable: mount tmpfs failed: {r.stderr.strip()}", flush=True)
            return None
        return cls(path)

    def free_bytes(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self):
        """Takes every free byte; returns how many."""
        free = self.free_bytes()
        with open(self.filler, "wb") as f:
            try:
                os.posix_fallocate(f.fileno(), 0, free)
            except OSError:
                pass  # ENOSPC after taking what there was: full either way
        return free

    def free(self):
        try:
            self.filler.unlink()
        except FileNotFoundError:
            pass

    def unmount(self):
        self.free()
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
