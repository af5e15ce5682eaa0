/*
 * A fake libnvidia-ml.so.1 for AutoGlm's tests: the real P/Invoke path (dlopen, dlsym, struct
 * marshalling, return codes) runs against it on machines without a GPU.
 *
 * Behaviour comes from a config file beside the library: "<path of this .so>.conf" (found with
 * dladdr), so each test copies the library into its own folder with its own answers and tests can
 * run in parallel in one process. Lines are key=value:
 *
 *   init=9                 nvmlInit_v2 return code (9 driver not loaded, 18 version mismatch, ...)
 *   count=0                nvmlDeviceGetCount_v2 return code
 *   hang_ms=5000           nvmlInit_v2 sleeps this long first (a hung driver)
 *   driver=535.104.05      nvmlSystemGetDriverVersion
 *   cuda=12020             nvmlSystemGetCudaDriverVersion_v2 (1000*major + 10*minor)
 *   gpu=NAME|UUID|BUSID|DEVID|CC|MEMMIB|PERSIST|ECC
 *                          one per GPU; DEVID hex (2330), CC "9.0", PERSIST/ECC 1, 0 or -1 (not supported)
 *   handle.N=15            nvmlDeviceGetHandleByIndex_v2 return code for index N (15 = GPU lost)
 *
 * Struct layouts follow nvml.h (nvmlPciInfo_t v3, nvmlMemory_t v1).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_GPUS 16

typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;

typedef struct {
    char name[96], uuid[96], busId[32];
    unsigned int devId;
    int ccMajor, ccMinor, persist, ecc, handleRc;
    unsigned long long memMiB;
} gpu_t;

static int loaded, initRc, countRc, hangMs, cudaVersion, ngpus, initialized;
static char driver[80];
static gpu_t gpus[MAX_GPUS];

static void field(char **cursor, char *out, size_t size)
{
    char *bar = strchr(*cursor, '|');
    size_t n = bar ? (size_t)(bar - *cursor) : strlen(*cursor);
    if (n >= size) n = size - 1;
    memcpy(out, *cursor, n);
    out[n] = 0;
    *cursor += n + (bar ? 1 : 0);
}

static void load(void)
{
    Dl_info info;
    char path[4096], line[1024], f[128];
    FILE *fp;
    if (loaded) return;
    loaded = 1;
    strcpy(driver, "535.104.05");
    cudaVersion = 12020;
    for (int i = 0; i < MAX_GPUS; i++) gpus[i].handleRc = 0;
    if (!dladdr((void *)load, &info) || !info.dli_fname) return;
    snprintf(path, sizeof path, "%s.conf", info.dli_fname);
    if (!(fp = fopen(path, "r"))) return;
    while (fgets(line, sizeof line, fp)) {
        char *eq = strchr(line, '='), *value;
        line[strcspn(line, "\r\n")] = 0;
        if (!eq) continue;
        *eq = 0;
        value = eq + 1;
        if (!strcmp(line, "init")) initRc = atoi(value);
        else if (!strcmp(line, "count")) countRc = atoi(value);
        else if (!strcmp(line, "hang_ms")) hangMs = atoi(value);
        else if (!strcmp(line, "driver")) snprintf(driver, sizeof driver, "%s", value);
        else if (!strcmp(line, "cuda")) cudaVersion = atoi(value);
        else if (!strncmp(line, "handle.", 7)) {
            int i = atoi(line + 7);
            if (i >= 0 && i < MAX_GPUS) gpus[i].handleRc = atoi(value);
        } else if (!strcmp(line, "gpu") && ngpus < MAX_GPUS) {
            gpu_t *g = &gpus[ngpus++];
            char *c = value;
            field(&c, g->name, sizeof g->name);
            field(&c, g->uuid, sizeof g->uuid);
            field(&c, g->busId, sizeof g->busId);
            field(&c, f, sizeof f); g->devId = (unsigned int)strtoul(f, NULL, 16);
            field(&c, f, sizeof f); sscanf(f, "%d.%d", &g->ccMajor, &g->ccMinor);
            field(&c, f, sizeof f); g->memMiB = strtoull(f, NULL, 10);
            field(&c, f, sizeof f); g->persist = atoi(f);
            field(&c, f, sizeof f); g->ecc = atoi(f);
        }
    }
    fclose(fp);
}

static gpu_t *dev(void *device) { return (gpu_t *)device; }

int nvmlInit_v2(void)
{
    load();
    if (hangMs > 0) {
        struct timespec ts = { hangMs / 1000, (hangMs % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (initRc == 0) initialized = 1;
    return initRc;
}

int nvmlShutdown(void) { initialized = 0; return 0; }

const char *nvmlErrorString(int rc)
{
    switch (rc) {
    case 0: return "Success";
    case 4: return "Insufficient Permissions";
    case 9: return "Driver Not Loaded";
    case 12: return "NVML Shared Library Not Found";
    case 15: return "GPU is lost";
    case 18: return "Driver/library version mismatch";
    default: return "Unknown Error";
    }
}

int nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (!initialized) return 1;
    snprintf(version, length, "%s", driver);
    return 0;
}

int nvmlSystemGetCudaDriverVersion_v2(int *v) { if (!initialized) return 1; *v = cudaVersion; return 0; }

int nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialized) return 1;
    if (countRc) return countRc;
    *count = (unsigned int)ngpus;
    return 0;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device)
{
    if (!initialized) return 1;
    if (index >= (unsigned int)ngpus) return 2;
    if (gpus[index].handleRc) return gpus[index].handleRc;
    *device = &gpus[index];
    return 0;
}

int nvmlDeviceGetName(void *device, char *name, unsigned int length) { snprintf(name, length, "%s", dev(device)->name); return 0; }
int nvmlDeviceGetUUID(void *device, char *uuid, unsigned int length) { snprintf(uuid, length, "%s", dev(device)->uuid); return 0; }

int nvmlDeviceGetPciInfo_v3(void *device, nvmlPciInfo_t *pci)
{
    gpu_t *g = dev(device);
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busId, sizeof pci->busId, "%s", g->busId);
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%.15s", g->busId + (strlen(g->busId) > 12 ? 4 : 0));
    sscanf(g->busId, "%x:%x:%x", &pci->domain, &pci->bus, &pci->device);
    pci->pciDeviceId = (g->devId << 16) | 0x10de;
    pci->pciSubSystemId = 0x16c110de;
    return 0;
}

int nvmlDeviceGetMemoryInfo(void *device, nvmlMemory_t *memory)
{
    memory->total = dev(device)->memMiB * 1024ULL * 1024ULL;
    memory->free = memory->total;
    memory->used = 0;
    return 0;
}

int nvmlDeviceGetCudaComputeCapability(void *device, int *major, int *minor)
{
    *major = dev(device)->ccMajor;
    *minor = dev(device)->ccMinor;
    return 0;
}

int nvmlDeviceGetPersistenceMode(void *device, int *mode)
{
    if (dev(device)->persist < 0) return 3;
    *mode = dev(device)->persist;
    return 0;
}

int nvmlDeviceGetEccMode(void *device, int *current, int *pending)
{
    if (dev(device)->ecc < 0) return 3;
    *current = *pending = dev(device)->ecc;
    return 0;
}
