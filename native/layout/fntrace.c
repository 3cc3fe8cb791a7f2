// fntrace: records which functions of an executable a command runs, in the order they first run,
// for the code layout of berth-runtime (scripts/layout-profile.sh).
//
//   fntrace ADDRESSES OUT BASE command [args...]
//
// ADDRESSES holds one hex function address per line (from the symbol table of an unstripped build
// of the same binary). Every address gets a one-shot int3 in every process of the command's tree
// that runs this executable (the runtime re-executes itself for a container's init; the image base
// BASE, hex, is compared to tell it from the container's own programs). A hit restores the byte,
// rewinds the instruction pointer and is written to OUT as "pid address". A profiling tool only:
// it runs as root against a throwaway state root.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long *addrs;
static unsigned char *orig;
static int naddrs;
static unsigned char header[64];
static unsigned long base;

static int cmp(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static int find(unsigned long a)
{
    int lo = 0, hi = naddrs - 1;
    while (lo <= hi) {
        int m = (lo + hi) / 2;
        if (addrs[m] == a)
            return m;
        if (addrs[m] < a)
            lo = m + 1;
        else
            hi = m - 1;
    }
    return -1;
}

// Same ELF header at the image base: the process runs the traced executable.
static int runs_traced_image(pid_t pid)
{
    char path[64];
    unsigned char h[64] = {0};
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fseek(f, (long)base, SEEK_SET) == 0 && fread(h, 1, sizeof h, f) == sizeof h;
    fclose(f);
    return ok && memcmp(h, header, sizeof h) == 0;
}

static void set_byte(pid_t pid, unsigned long addr, unsigned char value)
{
    unsigned long word = addr & ~7UL;
    int shift = (int)(addr & 7) * 8;
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, pid, (void *)word, 0);
    if (errno)
        return;
    w = (long)(((unsigned long)w & ~(0xffUL << shift)) | ((unsigned long)value << shift));
    ptrace(PTRACE_POKEDATA, pid, (void *)word, (void *)w);
}

static int get_byte(pid_t pid, unsigned long addr, unsigned char *out)
{
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr & ~7UL), 0);
    if (errno)
        return -1;
    *out = (unsigned char)((unsigned long)w >> ((addr & 7) * 8));
    return 0;
}

static void arm(pid_t pid)
{
    if (!runs_traced_image(pid))
        return;
    for (int i = 0; i < naddrs; i++) {
        unsigned char b;
        if (get_byte(pid, addrs[i], &b) != 0)
            continue;
        if (b != 0xcc)
            orig[i] = b;
        set_byte(pid, addrs[i], 0xcc);
    }
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: fntrace ADDRESSES OUT BASE command [args...]\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    FILE *out = fopen(argv[2], "w");
    FILE *exe = fopen(argv[4], "r");
    if (!in || !out || !exe || fread(header, 1, sizeof header, exe) != sizeof header) {
        perror("fntrace");
        return 2;
    }
    fclose(exe);
    base = strtoul(argv[3], NULL, 16);
    int cap = 1 << 16;
    unsigned long a;
    addrs = malloc(cap * sizeof *addrs);
    while (fscanf(in, "%lx", &a) == 1) {
        if (naddrs == cap)
            addrs = realloc(addrs, (cap *= 2) * sizeof *addrs);
        addrs[naddrs++] = a;
    }
    qsort(addrs, naddrs, sizeof *addrs, cmp);
    orig = calloc(naddrs, 1);

    pid_t child = fork();
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        execvp(argv[4], argv + 4);
        _exit(127);
    }
    int status, rc = 0;
    waitpid(child, &status, 0);
    ptrace(PTRACE_SETOPTIONS, child, 0,
           PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
    ptrace(PTRACE_CONT, child, 0, 0);
    // A new tracee's first stop is the SIGSTOP of its auto-attach, which must not be delivered.
    static unsigned char seen[1 << 22];
    for (;;) {
        pid_t pid = waitpid(-1, &status, __WALL);
        if (pid < 0)
            break;
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (pid == child)
                rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            continue;
        }
        int first = !seen[pid & ((1 << 22) - 1)];
        seen[pid & ((1 << 22) - 1)] = 1;
        int sig = WSTOPSIG(status), event = status >> 16, deliver = 0;
        if (event == PTRACE_EVENT_EXEC) {
            arm(pid);
        } else if (event == 0 && sig == SIGTRAP) {
            struct user_regs_struct regs;
            ptrace(PTRACE_GETREGS, pid, 0, &regs);
            int i = find(regs.rip - 1);
            if (i >= 0) {
                unsigned char b;
                if (get_byte(pid, addrs[i], &b) == 0 && b == 0xcc)
                    set_byte(pid, addrs[i], orig[i]);
                regs.rip--;
                ptrace(PTRACE_SETREGS, pid, 0, &regs);
                fprintf(out, "%d %lx\n", pid, addrs[i]);
            } else {
                deliver = sig;
            }
        } else if (event == 0 && !(sig == SIGSTOP && first)) {
            deliver = sig;
        }
        ptrace(PTRACE_CONT, pid, 0, (void *)(long)deliver);
    }
    fclose(out);
    return rc;
}
