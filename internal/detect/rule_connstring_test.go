package detect

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/overshare/overshare/sas"
)

func TestConnStringRule(t *testing.T) {
	key := legacyKey("conn-1")
	ik := storageIdentKey("conn-ident")
	sbKey := randB64("sb", 32)
	appSecret := randB64("appconfig", 32)
	cosmosKey := legacyKey("cosmos")
	cosmosRO := identKey("cosmos-ro", cosmosSignature, cosmosReadOnlySeed)
	azurite := key88.FindString(peerSample(t, 34))

	storage := func(acct, endpoint string) ConnStringFacts {
		return ConnStringFacts{Service: "storage", Resource: acct, Endpoint: endpoint, KeyName: "account key"}
	}
	const rule = "azure-connection-string"
	tests := []struct {
		name string
		data string
		want []outcome
	}{
		// Storage.
		{"storage", `conn = "DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=` + key + `;EndpointSuffix=core.windows.net"`,
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct1", "https://acct1.blob.core.windows.net"), ""}}},
		{"key before name", "EndpointSuffix=core.windows.net;AccountKey=" + key + ";AccountName=acct2;DefaultEndpointsProtocol=http",
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct2", "https://acct2.blob.core.windows.net"), ""}}},
		{"sovereign cloud", "DefaultEndpointsProtocol=https;AccountName=acct3;AccountKey=" + key + ";EndpointSuffix=core.chinacloudapi.cn",
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct3", "https://acct3.blob.core.chinacloudapi.cn"), ""}}},
		{"split over lines", "DefaultEndpointsProtocol=https;AccountName=acct4;\n    AccountKey=" + key + ";\n    EndpointSuffix=core.windows.net;",
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct4", "https://acct4.blob.core.windows.net"), ""}}},
		{"concatenated literals", "String conn = \"DefaultEndpointsProtocol=https;\" +\n    \"AccountName=acct5;\" +\n    \"AccountKey=" + key + ";\" +\n    \"EndpointSuffix=core.windows.net\";",
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct5", "https://acct5.blob.core.windows.net"), ""}}},
		{"lower-case field names", "defaultendpointsprotocol=https;accountname=acct11;accountkey=" + key + ";endpointsuffix=core.windows.net",
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct11", "https://acct11.blob.core.windows.net"), ""}}},
		{"after a variable name", "AzureWebJobsStorage=DefaultEndpointsProtocol=https;AccountName=acct6;AccountKey=" + key,
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct6", "https://acct6.blob.core.windows.net"), ""}}},
		{"identifiable key", "DefaultEndpointsProtocol=https;AccountName=acct7;AccountKey=" + ik,
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct7", "https://acct7.blob.core.windows.net"), ""}}},
		{"identifiable signature, bad checksum", "DefaultEndpointsProtocol=https;AccountName=acct8;AccountKey=" + breakChecksum(ik),
			[]outcome{{rule, "low", ReasonChecksumMismatch, storage("acct8", "https://acct8.blob.core.windows.net"), ""}}},
		{"base64-wrapped", "connection: " + base64.StdEncoding.EncodeToString([]byte("DefaultEndpointsProtocol=https;AccountName=acct9;AccountKey="+key+";EndpointSuffix=core.windows.net")),
			[]outcome{{rule, "critical", ReasonAccountKey, storage("acct9", "https://acct9.blob.core.windows.net"), "base64"}}},
		{"local emulator endpoints", "DefaultEndpointsProtocol=http;AccountName=dev1;AccountKey=" + key + ";BlobEndpoint=http://127.0.0.1:10000/dev1;QueueEndpoint=http://localhost:10001/dev1;",
			[]outcome{{rule, "info", ReasonLocalEndpoint, ConnStringFacts{Service: "storage", Resource: "dev1", Endpoint: "http://127.0.0.1:10000/dev1", KeyName: "account key", Local: true}, ""}}},
		{"emulator account", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + key + ";",
			[]outcome{{rule, "info", ReasonKnownExample, storage("devstoreaccount1", "https://devstoreaccount1.blob.core.windows.net"), ""}}},
		{"emulator key", "DefaultEndpointsProtocol=https;AccountName=acct10;AccountKey=" + azurite + ";",
			[]outcome{{rule, "info", ReasonKnownExample, storage("acct10", "https://acct10.blob.core.windows.net"), ""}}},

		// Cosmos DB.
		{"cosmos", "AccountEndpoint=https://db1.documents.azure.com:443/;AccountKey=" + cosmosKey + ";",
			[]outcome{{rule, "critical", ReasonCosmosKey, ConnStringFacts{Service: "cosmosdb", Resource: "db1", Endpoint: "https://db1.documents.azure.com:443/", KeyName: "account key"}, ""}}},
		{"cosmos read-only key", "AccountEndpoint=https://db2.documents.azure.com:443/;AccountKey=" + cosmosRO + ";",
			[]outcome{{rule, "high", ReasonCosmosKey, ConnStringFacts{Service: "cosmosdb", Resource: "db2", Endpoint: "https://db2.documents.azure.com:443/", KeyName: "account key", ReadOnly: true}, ""}}},
		{"cosmos emulator", "AccountEndpoint=https://localhost:8081/;AccountKey=" + cosmosKey + ";",
			[]outcome{{rule, "info", ReasonLocalEndpoint, ConnStringFacts{Service: "cosmosdb", Resource: "localhost", Endpoint: "https://localhost:8081/", KeyName: "account key", Local: true}, ""}}},

		// Service Bus and Event Hubs.
		{"service bus root manage", "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + sbKey,
			[]outcome{{rule, "critical", ReasonManageRights, ConnStringFacts{Service: "servicebus", Resource: "ns1", Endpoint: "sb://ns1.servicebus.windows.net/", KeyName: "RootManageSharedAccessKey"}, ""}}},
		{"send policy on a queue", "Endpoint=sb://ns2.servicebus.windows.net/;SharedAccessKeyName=send-only;SharedAccessKey=" + sbKey + ";EntityPath=orders",
			[]outcome{{rule, "high", ReasonPolicyKey, ConnStringFacts{Service: "servicebus", Resource: "ns2", Endpoint: "sb://ns2.servicebus.windows.net/", KeyName: "send-only", Entity: "orders"}, ""}}},
		{"event hubs listen", `"Endpoint=sb://hub3.servicebus.windows.net/;SharedAccessKeyName=ListenPolicy;SharedAccessKey=` + sbKey + `;EntityPath=telemetry"`,
			[]outcome{{rule, "high", ReasonPolicyKey, ConnStringFacts{Service: "servicebus", Resource: "hub3", Endpoint: "sb://hub3.servicebus.windows.net/", KeyName: "ListenPolicy", Entity: "telemetry"}, ""}}},

		// IoT Hub.
		{"iot hub owner", "HostName=hub1.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=" + sbKey,
			[]outcome{{rule, "critical", ReasonManageRights, ConnStringFacts{Service: "iothub", Resource: "hub1", Endpoint: "hub1.azure-devices.net", KeyName: "iothubowner"}, ""}}},
		{"iot hub registry read", "HostName=hub2.azure-devices.net;SharedAccessKeyName=registryRead;SharedAccessKey=" + sbKey,
			[]outcome{{rule, "high", ReasonPolicyKey, ConnStringFacts{Service: "iothub", Resource: "hub2", Endpoint: "hub2.azure-devices.net", KeyName: "registryRead"}, ""}}},
		{"iot device", "HostName=hub3.azure-devices.net;DeviceId=sensor-7;SharedAccessKey=" + sbKey,
			[]outcome{{rule, "medium", ReasonDeviceKey, ConnStringFacts{Service: "iothub-device", Resource: "hub3", Endpoint: "hub3.azure-devices.net", Entity: "sensor-7"}, ""}}},

		// App Configuration.
		{"app configuration", "Endpoint=https://store1.azconfig.io;Id=Ab1C-l0-s0:Xy12Zk9PqRsTuVw3;Secret=" + appSecret,
			[]outcome{{rule, "high", ReasonAppConfigKey, ConnStringFacts{Service: "appconfig", Resource: "store1", Endpoint: "https://store1.azconfig.io", KeyName: "Ab1C-l0-s0:Xy12Zk9PqRsTuVw3"}, ""}}},
		{"app configuration without Id", "Endpoint=https://store2.azconfig.io;Secret=" + appSecret,
			[]outcome{{rule, "low", ReasonIncomplete, ConnStringFacts{Service: "appconfig", Resource: "store2", Endpoint: "https://store2.azconfig.io"}, ""}}},

		// Not reported.
		{"placeholders", "AccountName=<YOUR_ACCOUNT_NAME>;\nAccountKey=<YOUR_ACCOUNT_KEY>;", nil},
		{"single letters", "AccountName=X;AccountKey=X;", nil},
		{"format arguments", "AccountName={2};AccountKey={3};", nil},
		{"stars", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=*****;EndpointSuffix=core.windows.net", nil},
		{"bracketed placeholder", "SharedAccessKeyName=[Shared Access Key Name goes here];SharedAccessKey=[Shared Access key goes here];", nil},
		{"xxx", "Endpoint=https://contoso.azconfig.io;Id=xxx;Secret=xxx", nil},
		{"repeated character", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + strings.Repeat("x", 44), nil},
		{"instrumentation key only", "InstrumentationKey=00000000-0000-0000-0000-000000000000;EndpointSuffix=ai.contoso.com;", nil},
		{"bare AccountKey is the storage-key rule's", "AccountKey=" + key, nil},
		{"a SAS connection string is the SAS rule's", "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sp=r&sig=abc", nil},
		{"ClientSecret is not a connection string", "Endpoint=https://store.azconfig.io;ClientSecret=" + appSecret, nil},
		{"storage key of the wrong length", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + randB64("short", 56), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outcomes(runRule(t, ConnStringRule{}, tt.data, ""))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestStorageKeyReportedOnce: with every rule on, a key inside a
// connection string is one finding, of the connection-string rule; the
// same key written alone is one finding of the storage-key rule.
func TestStorageKeyReportedOnce(t *testing.T) {
	key := legacyKey("once")
	ik := storageIdentKey("once")
	d := New(Options{Now: testNow, Policy: sas.DefaultPolicy()})
	for _, tt := range []struct {
		data string
		want []string
	}{
		{"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + key + ";EndpointSuffix=core.windows.net", []string{"azure-connection-string"}},
		{"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + ik + ";EndpointSuffix=core.windows.net", []string{"azure-connection-string"}},
		{"AccountEndpoint=https://db.documents.azure.com:443/;AccountKey=" + key + ";", []string{"azure-connection-string"}},
		{"defaultendpointsprotocol=https;accountname=acct;accountkey=" + key, []string{"azure-connection-string"}},
		{"DefaultEndpointsProtocol=https;AccountName=acct;Accountkey=" + key, []string{"azure-connection-string"}},
		{"DefaultEndpointsProtocol=https;AccountName=acct;AccountKEY=" + key, []string{"azure-storage-key"}}, // a spelling the connection-string rule does not anchor on
		{"AZURE_STORAGE_ACCOUNT_KEY=" + key, []string{"azure-storage-key"}},
		{"AccountKey=" + ik, []string{"azure-storage-key"}},
	} {
		var got []string
		for _, c := range d.Detect([]byte(tt.data), "") {
			got = append(got, c.Rule)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%.60s...: (-want +got)\n%s", tt.data, diff)
		}
	}
}

func TestConnStringRemediation(t *testing.T) {
	sbKey := randB64("rem", 32)
	for _, tt := range []struct {
		data string
		want string
	}{
		{"DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=" + legacyKey("rem"), "az storage account keys renew --account-name acct1 --key primary|secondary"},
		{"Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + sbKey, "az servicebus namespace authorization-rule keys renew --resource-group RESOURCE_GROUP --namespace-name ns1 --name RootManageSharedAccessKey --key PrimaryKey|SecondaryKey"},
		{"Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + sbKey, "az eventhubs namespace authorization-rule keys renew --resource-group RESOURCE_GROUP --namespace-name ns1"},
		{"HostName=hub1.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=" + sbKey, "az iot hub policy renew-key --hub-name hub1 --name iothubowner --renew-key primary|secondary"},
		{"HostName=hub1.azure-devices.net;DeviceId=d1;SharedAccessKey=" + sbKey, "az iot hub device-identity renew-key --hub-name hub1 --device-id d1 --key-type primary|secondary"},
		{"Endpoint=https://store1.azconfig.io;Id=Ab1C-l0-s0:Xy12Zk9PqRsTuVw3;Secret=" + sbKey, "az appconfig credential regenerate --name store1 --id Ab1C-l0-s0:Xy12Zk9PqRsTuVw3"},
		{"AccountEndpoint=https://db1.documents.azure.com:443/;AccountKey=" + legacyKey("rem"), "az cosmosdb keys regenerate --name db1 --resource-group RESOURCE_GROUP --key-kind primary|secondary|primaryReadonly|secondaryReadonly"},
	} {
		cs := runRule(t, ConnStringRule{}, tt.data, "")
		if len(cs) != 1 {
			t.Errorf("%.50s: %d candidates", tt.data, len(cs))
			continue
		}
		if steps := strings.Join(cs[0].Remediation.Steps, "\n"); !strings.Contains(steps, tt.want) {
			t.Errorf("%.50s: remediation lacks %q:\n%s", tt.data, tt.want, steps)
		}
	}
}
