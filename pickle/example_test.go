package pickle_test

import (
	"fmt"

	"github.com/overshare/overshare/pickle"
)

func ExampleScan() {
	// cos\nsystem\n(S'id'\ntR. — protocol 0 os.system('id')
	data := []byte("cos\nsystem\n(S'id'\ntR.")
	r := pickle.Scan(data, pickle.Options{})
	fmt.Println(r.Verdict)
	for _, c := range r.Calls {
		fmt.Println(c.Opcode, c.Callable, c.Args, "at", c.Offset)
	}
	// Output:
	// malicious
	// REDUCE os.system ["id"] at 19
}

func ExampleScan_safe() {
	// collections.OrderedDict() at protocol 2.
	data := []byte("\x80\x02ccollections\nOrderedDict\n)R.")
	r := pickle.Scan(data, pickle.Options{})
	fmt.Println(r.Verdict, r.Imports[0].Module+"."+r.Imports[0].Name, r.Imports[0].Reason)
	// Output:
	// safe collections.OrderedDict in torch.load(weights_only=True) allowlist
}

func ExampleScan_notAPickle() {
	r := pickle.Scan([]byte("\x89PNG\r\n\x1a\n"), pickle.Options{})
	fmt.Println(r.Verdict, r.Err != nil)
	// Output:
	// unknown true
}
