namespace Berth.Oci.Tests.Runtime;

/// <summary>A config.json with every modelled field set to a non-default value (not necessarily a sensible container).</summary>
internal static class FullConfig
{
    public const string Json = """
        {
          "ociVersion": "1.2.0",
          "process": {
            "terminal": true,
            "consoleSize": { "height": 40, "width": 120 },
            "user": { "uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [5, 27], "username": "alice" },
            "args": ["/bin/sh", "-c", "echo hi"],
            "commandLine": "cmd.exe /c echo hi",
            "env": ["PATH=/usr/bin:/bin", "TERM=xterm"],
            "cwd": "/work",
            "capabilities": {
              "bounding": ["CAP_KILL"],
              "effective": ["CAP_CHOWN"],
              "inheritable": ["CAP_SETUID"],
              "permitted": ["CAP_KILL", "CAP_CHOWN"],
              "ambient": ["CAP_NET_RAW"]
            },
            "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024 }],
            "noNewPrivileges": true,
            "apparmorProfile": "berth-default",
            "oomScoreAdj": -500,
            "scheduler": {
              "policy": "SCHED_DEADLINE",
              "nice": -5,
              "priority": 10,
              "flags": ["SCHED_FLAG_RESET_ON_FORK"],
              "runtime": 10000000,
              "deadline": 20000000,
              "period": 30000000
            },
            "selinuxLabel": "system_u:system_r:container_t:s0",
            "ioPriority": { "class": "IOPRIO_CLASS_BE", "priority": 4 },
            "execCPUAffinity": { "initial": "0-1", "final": "2-3" }
          },
          "root": { "path": "rootfs", "readonly": true },
          "hostname": "box",
          "domainname": "example.org",
          "mounts": [
            {
              "destination": "/data",
              "type": "bind",
              "source": "/srv/data",
              "options": ["rbind", "ro"],
              "uidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }],
              "gidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }]
            }
          ],
          "hooks": {
            "prestart": [{ "path": "/usr/bin/prestart", "args": ["prestart", "a"], "env": ["A=1"], "timeout": 5 }],
            "createRuntime": [{ "path": "/usr/bin/create-runtime" }],
            "createContainer": [{ "path": "/usr/bin/create-container" }],
            "startContainer": [{ "path": "/usr/bin/start-container" }],
            "poststart": [{ "path": "/usr/bin/poststart" }],
            "poststop": [{ "path": "/usr/bin/poststop", "timeout": 30 }]
          },
          "annotations": { "org.example.key": "value" },
          "linux": {
            "uidMappings": [{ "containerID": 0, "hostID": 100000, "size": 65536 }],
            "gidMappings": [{ "containerID": 0, "hostID": 200000, "size": 65536 }],
            "sysctl": { "net.ipv4.ip_forward": "1", "kernel.shmmax": "68719476736" },
            "resources": {
              "devices": [
                { "allow": false, "access": "rwm" },
                { "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw" }
              ],
              "memory": {
                "limit": 536870912,
                "reservation": 268435456,
                "swap": 1073741824,
                "kernel": -1,
                "kernelTCP": 1048576,
                "swappiness": 60,
                "disableOOMKiller": true,
                "useHierarchy": true,
                "checkBeforeUpdate": true
              },
              "cpu": {
                "shares": 1024,
                "quota": 50000,
                "burst": 10000,
                "period": 100000,
                "realtimeRuntime": 950000,
                "realtimePeriod": 1000000,
                "cpus": "0-3",
                "mems": "0",
                "idle": 1
              },
              "pids": { "limit": 512 },
              "blockIO": {
                "weight": 500,
                "leafWeight": 300,
                "weightDevice": [{ "major": 8, "minor": 0, "weight": 600, "leafWeight": 200 }],
                "throttleReadBpsDevice": [{ "major": 8, "minor": 0, "rate": 1048576 }],
                "throttleWriteBpsDevice": [{ "major": 8, "minor": 16, "rate": 2097152 }],
                "throttleReadIOPSDevice": [{ "major": 8, "minor": 32, "rate": 1000 }],
                "throttleWriteIOPSDevice": [{ "major": 8, "minor": 48, "rate": 2000 }]
              },
              "hugepageLimits": [{ "pageSize": "2MB", "limit": 209715200 }],
              "network": { "classID": 1048577, "priorities": [{ "name": "eth0", "priority": 500 }] },
              "rdma": { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 } },
              "unified": { "memory.high": "1073741824" }
            },
            "cgroupsPath": "/berth/box",
            "namespaces": [
              { "type": "pid" },
              { "type": "network", "path": "/var/run/netns/box" },
              { "type": "mount" },
              { "type": "ipc" },
              { "type": "uts" },
              { "type": "user" },
              { "type": "cgroup" },
              { "type": "time" }
            ],
            "devices": [
              { "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0 }
            ],
            "seccomp": {
              "defaultAction": "SCMP_ACT_ERRNO",
              "defaultErrnoRet": 1,
              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
              "flags": ["SECCOMP_FILTER_FLAG_LOG"],
              "listenerPath": "/run/seccomp-agent.sock",
              "listenerMetadata": "box",
              "syscalls": [
                {
                  "names": ["personality"],
                  "action": "SCMP_ACT_ALLOW",
                  "errnoRet": 38,
                  "args": [{ "index": 0, "value": 8, "valueTwo": 255, "op": "SCMP_CMP_MASKED_EQ" }]
                }
              ]
            },
            "rootfsPropagation": "rslave",
            "maskedPaths": ["/proc/kcore"],
            "readonlyPaths": ["/proc/sys"],
            "mountLabel": "system_u:object_r:container_file_t:s0",
            "intelRdt": {
              "closID": "guaranteed",
              "l3CacheSchema": "L3:0=ff",
              "memBwSchema": "MB:0=50",
              "enableCMT": true,
              "enableMBM": true
            },
            "personality": { "domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"] },
            "timeOffsets": { "monotonic": { "secs": 3600, "nanosecs": 500 }, "boottime": { "secs": -60, "nanosecs": 1 } }
          }
        }
        """;
}
